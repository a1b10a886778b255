/* Configuration values shared by the element and the launcher: NVCF
 * environment defaults and the media port range. Pure C++. */
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connections.h"
#include "congestion.h"
#include "ice.h"
#include "readiness.h"

namespace nvcf {

/* NVCF's documented defaults (see the contract notes in README.md). */
constexpr unsigned kDefaultControlPort = 8111;
constexpr unsigned kDefaultStreamingPort = 49100;
constexpr const char* kDefaultStartEndpoint = "/sign_in";
constexpr const char* kDefaultPortRange = "47998-48020";

struct PortRange {
  unsigned min = 47998;
  unsigned max = 48020;
  std::string to_string() const;
  bool operator==(const PortRange& o) const { return min == o.min && max == o.max; }
};

/* "MIN-MAX" (or a single port) within 1024-65535 with MIN <= MAX.
 * On failure returns nullopt and sets *error to a sentence naming the
 * problem. */
std::optional<PortRange> parse_port_range(std::string_view text, std::string* error);

/* A TCP port 0-65535 (0 = pick a free one). */
std::optional<unsigned> parse_port(std::string_view text);

/* Environment lookups with the defaults above. An unset or empty variable
 * gives the default; an invalid one gives the default too and sets *warning
 * (when non-null) so the caller can log it. */
unsigned env_control_port(std::string* warning = nullptr);
unsigned env_streaming_port(std::string* warning = nullptr);
std::string env_start_endpoint(std::string* warning = nullptr);
std::string env_port_range(std::string* warning = nullptr);

/* An endpoint path must start with '/'. */
bool valid_endpoint(std::string_view path);

/* ice-transport-policy: all candidates, or TURN relays only. */
enum class IceTransportPolicy { All, Relay };

/* Every setting of nvcfwebrtcsink, with the built-in defaults. The element
 * keeps one under its settings lock and hands copies to the rooms that
 * read it; the property table in gstnvcfwebrtcsink.cpp documents each. */
struct Settings {
  unsigned control_port = kDefaultControlPort;
  std::string control_address;  // "" = all interfaces
  unsigned streaming_port = kDefaultStreamingPort;
  std::string start_endpoint = kDefaultStartEndpoint;
  PortRange port_range;
  unsigned max_sessions = 1;
  std::string video_encoder = "auto";
  unsigned video_bitrate_kbps = 4000;
  /* Congestion control moves the video encoder between these, from every
   * viewer's transport feedback; max 0 = the encoder's own starting
   * bitrate (video_bitrate_kbps for the element's encoder). */
  bool congestion_control = true;
  unsigned min_video_bitrate_kbps = 300;
  unsigned max_video_bitrate_kbps = 0;
  CredsUse creds_use = CredsUse::Both;
  std::string stun_server;
  std::string turn_server;    // secret: holds the TURN password
  std::string ice_addresses;  // comma-separated; "" = all
  bool ice_tcp = false;
  /* Offer the playout-delay RTP header extension on every video stream,
   * min 0 and max playout_delay_max_ms. Chromium's WebRTC renders frames
   * as soon as it can for min 0 and max at most 500 ms, and for a max
   * above 0 through its low-latency renderer, which shows a frame at the
   * next compositor frame: display p50 16.3 ms after capture at 720p30,
   * against 27.9 without the extension. With max 0 it renders without
   * that renderer and expects to display each frame 27-32 ms after
   * receipt (README, Performance). */
  bool playout_delay = true;
  unsigned playout_delay_max_ms = 100;
  /* Audio and video in one media stream, so browsers play them in sync.
   * Off by default: Chromium then holds video back to the audio's jitter
   * buffer, a delay interactive use does not want (README, Performance). */
  bool lip_sync = false;
  /* Below the 7 s idle timeouts of NVIDIA's sample HAProxy configuration, so
   * a quiet signalling socket is not cut by the proxy mid-session. */
  unsigned keepalive_interval_s = 5;
  IceTransportPolicy ice_transport_policy = IceTransportPolicy::All;
  SessionPolicy session_policy = SessionPolicy::Reuse;
  unsigned resume_timeout_s = 30;
  /* Per server (control and signalling): connections at once, and the
   * seconds a client has to send its request (slowloris). */
  ConnectionLimits connection_limits;

  /* The defaults, with NVCF's environment applied (CONTROL_SERVER_PORT,
   * STREAMING_SERVER_PORT, STREAMING_START_ENDPOINT,
   * STREAMING_PORT_BINDING_RANGE, NVCF_ICE_ADDRESSES, NVCF_SESSION_POLICY).
   * A bad value keeps the default and adds a sentence to *warnings. */
  static Settings from_environment(std::vector<std::string>* warnings);

  /* min/max_video_bitrate_kbps as limits for an encoder that started at
   * start_kbps (max 0 = start_kbps). */
  BitrateLimits bitrate_limits(unsigned start_kbps) const;

  /* ice_addresses split at commas, trimmed, empty entries dropped. */
  std::vector<std::string> ice_address_list() const;
};

/* "turn://user:pass@host:port" with the password replaced by "***", for
 * anything a person or a dot dump can read; other text is returned as is. */
std::string redact_uri(const std::string& uri);

}  // namespace nvcf
