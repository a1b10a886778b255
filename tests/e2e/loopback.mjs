// loopback.mjs: what keeps a werift peer's media on 127.0.0.0/8 (tests
// reach nothing else; docs/machine-notes.md). werift gathers on every
// interface and writes all it gathered into its answer too: a streamer
// given those addresses checks pairs off loopback, and one relaying
// through TURN asks coturn to send there.

const isLoopback = (addr) => typeof addr === 'string' && (addr.startsWith('127.') || addr === '::1');

// The address field of a candidate line, trickled or an SDP a=candidate: line.
const candidateAddress = (line) => String(line).split(' ')[4];

// werift's ICE options for loopback only: no ICE servers (werift's default
// is a public STUN server), loopback gathered, and only loopback pairs.
export const loopbackIce = {
  iceServers: [],
  iceUseIpv6: false,
  iceAdditionalHostAddresses: ['127.0.0.1'],
};
export const loopbackPair = (pair) =>
  isLoopback(pair.protocol?.localCandidate?.host) && isLoopback(pair.remoteCandidate?.host);

// Whether a trickled candidate line may be signalled.
export const signalCandidate = (line) => isLoopback(candidateAddress(line));

// An SDP with its non-loopback a=candidate: lines left out.
export function loopbackSdp(sdp) {
  return sdp
    .split('\r\n')
    .filter((line) => !line.startsWith('a=candidate:') || signalCandidate(line))
    .join('\r\n');
}
