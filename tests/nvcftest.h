/* Shared helpers for the element tests: a pipeline around nvcfwebrtcsink on
 * loopback with free ports, and a blocking HTTP client (libsoup). */
#pragma once

#include <gst/gst.h>
#include <libsoup/soup.h>

#include <string>

namespace nvcftest {

/* gst_init + static registration of the nvcf elements. */
void init();

struct HttpReply {
  unsigned status = 0;  // 0: no connection
  std::string body;
  std::string allow;
  std::string content_type;
};

/* Blocking request to http://127.0.0.1:port<path>. */
HttpReply http(unsigned port, const std::string& method, const std::string& path,
               const std::string& content_type = "", const std::string& body = "");

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
  /* Polls the ready-state property until it names state (true) or
   * timeout_ms passes. */
  bool wait_ready_state(const std::string& state, unsigned timeout_ms) const;
  /* Pops bus messages until an element message with this structure name
   * arrives (true) or timeout_ms passes. */
  bool wait_element_message(const char* name, unsigned timeout_ms, GstStructure** out = nullptr);

 private:
  GstElement* pipeline_ = nullptr;
  GstElement* sink_ = nullptr;
};

}  // namespace nvcftest
