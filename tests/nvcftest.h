/* Shared helpers for the element tests: the one poller (wait_until), a
 * blocking HTTP client (libsoup), the readiness endpoint, and a pipeline
 * around nvcfwebrtcsink on loopback with free ports.
 * Sibling helpers: nvcfjson.h (JSON), nvcfproc.h (child processes),
 * nvcfws.h (WebSocket client, raw loopback sockets, signalling shortcuts). */
#pragma once

#include <gst/gst.h>
#include <libsoup/soup.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace nvcftest {

/* gst_init + static registration of the nvcf elements. */
void init();
/* Puts GStreamer's default log function back after a test replaced it:
 * into this process's GST_DEBUG_FILE (appended, "%p" the pid) when one is
 * set, else stderr, as gst_init had it. */
void restore_default_log();

/* Polls pred until it holds (true) or timeout_ms passes (false), running
 * the calling thread's default main context in between (where its
 * WebSocket clients live), waking at least every step_ms. */
bool wait_until(const std::function<bool()>& pred, unsigned timeout_ms, unsigned step_ms = 10);
/* Waits ms, running the thread's default main context meanwhile. */
void pause(unsigned ms);

struct HttpReply {
  unsigned status = 0;  // 0: no connection
  std::string body;
  std::string allow;
  std::string content_type;
};

/* Blocking request to http://127.0.0.1:port<path>; status 0 when nothing
 * answered within timeout_s. */
HttpReply http(unsigned port, const std::string& method, const std::string& path,
               const std::string& content_type = "", const std::string& body = "",
               unsigned timeout_s = 10);

/* GET /v1/streaming/ready on a control port: status (0: no answer within
 * timeout_s), body, and the body's "state" ("" if none). */
struct Readiness {
  unsigned status = 0;
  std::string state, body;
};
Readiness ready(unsigned control_port, unsigned timeout_s = 10);
/* Polls ready() until it names state / answers status (see wait_until). */
bool wait_ready_state(unsigned control_port, const std::string& state, unsigned timeout_ms);
bool wait_ready_status(unsigned control_port, unsigned status, unsigned timeout_ms);

/* The first element made by that factory anywhere in bin (a new
 * reference), or nullptr. */
GstElement* find_by_factory(GstElement* bin, const char* factory);
/* How many elements of that GType name (e.g. "GstWebRTCBin") bin holds,
 * at any depth. */
int count_by_type(GstElement* bin, const char* type_name);

/* A pad probe whose State (with a GstPadProbeReturn on_probe(GstPadProbeInfo*))
 * the probe and the test share. A streaming thread may still be inside the
 * callback when the test ends, and the pipeline runs on until TearDown: the
 * probe's reference is dropped by GStreamer only after that call returns,
 * so the state never dies under it (a test-local state on the stack did,
 * and the streaming thread wrote into the next frames' stack). */
template <typename State>
class PadProbe {
 public:
  PadProbe(GstElement* element, const char* pad_name, GstPadProbeType mask)
      : state_(std::make_shared<State>()), pad_(gst_element_get_static_pad(element, pad_name)) {
    if (pad_)
      id_ = gst_pad_add_probe(pad_, mask, call, new std::shared_ptr<State>(state_), release);
  }
  ~PadProbe() {
    if (pad_) {
      gst_pad_remove_probe(pad_, id_);
      gst_object_unref(pad_);
    }
  }
  PadProbe(const PadProbe&) = delete;
  PadProbe& operator=(const PadProbe&) = delete;
  bool attached() const { return id_ != 0; }
  State* operator->() const { return state_.get(); }
  State& operator*() const { return *state_; }

 private:
  static GstPadProbeReturn call(GstPad*, GstPadProbeInfo* info, gpointer data) {
    return (*static_cast<std::shared_ptr<State>*>(data))->on_probe(info);
  }
  static void release(gpointer data) { delete static_cast<std::shared_ptr<State>*>(data); }
  std::shared_ptr<State> state_;
  GstPad* pad_;
  gulong id_ = 0;
};

/* A pipeline "<source> ! nvcfwebrtcsink name=sink <props>" with ports 0 on
 * 127.0.0.1. */
class Streamer {
 public:
  explicit Streamer(const std::string& props = "",
                    const std::string& source = "videotestsrc is-live=true");
  /* A whole pipeline description (e.g. a pipelines/ file) holding one
   * nvcfwebrtcsink: the test ports and then props ("key=value ...") are set
   * on that sink after parsing. */
  struct Description {};
  Streamer(Description, const std::string& description, const std::string& props = "");
  ~Streamer();
  bool set_state(GstState state);  // waits up to 10 s
  GstElement* sink() const { return sink_; }
  GstElement* pipeline() const { return pipeline_; }
  unsigned control_port() const;
  unsigned streaming_port() const;
  std::string ready_state() const;
  /* Polls the ready-state property (not HTTP) until it names state (true)
   * or timeout_ms passes. */
  bool wait_ready_state(const std::string& state, unsigned timeout_ms) const;
  /* Pops bus messages until an element message with this structure name
   * arrives (true) or timeout_ms passes. */
  bool wait_element_message(const char* name, unsigned timeout_ms, GstStructure** out = nullptr);

 private:
  GstElement* pipeline_ = nullptr;
  GstElement* sink_ = nullptr;
};

/* The address of every remote candidate the sink's sessions were given,
 * trickled (add-ice-candidate) or in the answer (set-remote-description):
 * where their ICE agents send checks. Made before the sessions start; the
 * record outlives this object in the webrtcbins that still use it. */
class RemoteCandidates {
 public:
  explicit RemoteCandidates(GstElement* sink);
  ~RemoteCandidates();
  RemoteCandidates(const RemoteCandidates&) = delete;
  RemoteCandidates& operator=(const RemoteCandidates&) = delete;
  std::vector<std::string> addresses() const;

  struct Record;

 private:
  std::shared_ptr<Record> record_;
  GstElement* sink_;
  gulong handler_ = 0;
};

}  // namespace nvcftest
