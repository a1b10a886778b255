/* One viewer: a webrtcbin fed from the shared encoded streams, its ICE
 * configuration, and the control/input data channels. Threads: the
 * callbacks run on webrtcbin's threads and must not wait for the owner;
 * start(), stop(), set_remote_answer(), add_remote_ice() and
 * request_key_unit() run on the owner's service loop; the congestion
 * controller runs on the RTCP thread that reports TWCC feedback; send_data(),
 * stats(), owns() and local_candidates() on any thread. */
#pragma once

#include <gst/gst.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/congestion.h"
#include "core/signalling.h"

/* A shared encoded stream a session can branch from. */
struct GstNvcfStreamTap {
  std::string name; /* pad name, e.g. video_0 */
  bool video = true;
  std::string media_type;    /* encoded, e.g. video/x-h264 */
  GstElement* tee = nullptr; /* borrowed; lives as long as the stream */
};

struct GstNvcfSessionConfig {
  std::string id;
  std::string label;       /* "session ID request RID": prefixes every log line */
  std::string stun_server; /* stun://host:port or "" */
  std::string turn_server; /* turn://user:pass@host:port or "" (secret) */
  nvcf::PortRange port_range;
  std::vector<std::string> ice_addresses; /* local addresses; empty = all */
  bool ice_tcp = false;
  bool relay_only = false; /* ice-transport-policy=relay */
  bool live = true;        /* live input: sent unsynced, at once */
  bool lip_sync = false;   /* audio in the video's media stream */
  /* The playout-delay extension on video: min 0, max this. */
  bool playout_delay = false;
  unsigned playout_delay_max_ms = 0;
  /* Transport-wide congestion control: the TWCC header extension on
   * video, its feedback driving a controller within these limits. */
  bool congestion_control = false;
  nvcf::BitrateLimits bitrate_limits;
  unsigned start_kbps = 0;
};

struct GstNvcfSessionCallbacks {
  std::function<void(const std::string& sdp)> offer;
  std::function<void(const nvcf::IceCandidate&)> ice;
  /* The session cannot go on; the owner ends it. */
  std::function<void(const std::string& reason)> failed;
  /* ICE and DTLS are up. */
  std::function<void()> connected;
  /* An upstream event (navigation, custom) for the video stream with this
   * mid ("" = the first video stream). Returns "" or an error text. */
  std::function<std::string(const std::string& mid, GstEvent* event)> upstream;
  /* Viewer data that is not input. */
  std::function<void(const std::string& channel, const std::string& text)> data;
  /* The congestion controller's estimate for this viewer changed, kbit/s
   * (webrtcbin's RTCP thread). */
  std::function<void(unsigned kbps)> estimate;
};

class GstNvcfSession {
 public:
  GstNvcfSession(GstBin* bin, GstNvcfSessionConfig config, GstNvcfSessionCallbacks callbacks);
  ~GstNvcfSession();
  GstNvcfSession(const GstNvcfSession&) = delete;
  GstNvcfSession& operator=(const GstNvcfSession&) = delete;

  /* Build the webrtcbin and one branch per stream, then negotiate. */
  bool start(const std::vector<GstNvcfStreamTap>& streams, std::string* error);
  /* Give every branch its stream's caps now, not with the next frame, so
   * the offer goes out at once. After webrtcbin-created, whose handlers may
   * still change a branch. Loop thread. */
  void send_stream_caps();
  void set_remote_answer(const std::string& sdp);
  void add_remote_ice(const nvcf::IceCandidate& ice);
  /* Ask every video stream for a key unit (new viewer, PLI). */
  void request_key_unit();
  /* Send text on the control data channel. Any thread; never blocks. */
  bool send_data(const std::string& text);
  /* webrtcbin statistics; caller frees. Any thread; waits a bounded time
   * (NULL when webrtcbin did not answer). */
  GstStructure* stats();
  /* Whether obj is this session's webrtcbin, inside it, or one of its
   * branch elements. Any thread. */
  bool owns(GstObject* obj) const;
  /* Tear down and remove from the bin. Idempotent. */
  void stop();

  /* Local ICE candidates gathered so far. */
  unsigned local_candidates() const;
  const std::string& id() const;
  GstElement* webrtcbin() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};
