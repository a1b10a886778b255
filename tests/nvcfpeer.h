/* A real in-process viewer of a streamer: a receiving webrtcbin on
 * loopback (Answerer) and the signalling that connects it to a started
 * session (connect_peer), in the GStreamer dialect or another through
 * Dialect's hooks. */
#pragma once

#include <agent.h>
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "nvcfjson.h"
#include "nvcfws.h"

namespace nvcftest {

/* A receiving webrtcbin on loopback: the viewer side of a session, so
 * sessions are negotiated and connected for real (ICE + DTLS). */
class Answerer {
 public:
  Answerer() {
    pipeline_ = gst_pipeline_new(nullptr);
    webrtc_ = gst_element_factory_make("webrtcbin", nullptr);
    gst_util_set_object_arg(G_OBJECT(webrtc_), "bundle-policy", "max-bundle");
    gst_bin_add(GST_BIN(pipeline_), webrtc_);
    g_signal_connect(webrtc_, "on-ice-candidate", G_CALLBACK(on_candidate), this);
    g_signal_connect(webrtc_, "pad-added", G_CALLBACK(on_pad_added), this);
    /* Gather on loopback only, like the streamer under test. */
    GstObject* ice = nullptr;
    g_object_get(webrtc_, "ice-agent", &ice, NULL);
    if (ice) {
      NiceAgent* agent = nullptr;
      g_object_get(ice, "agent", &agent, NULL);
      if (agent) {
        g_object_set(agent, "upnp", FALSE, NULL);
        NiceAddress a;
        nice_address_init(&a);
        nice_address_set_from_string(&a, "127.0.0.1");
        nice_agent_add_local_address(agent, &a);
        g_object_unref(agent);
      }
      gst_object_unref(ice);
    }
    gst_element_set_state(pipeline_, GST_STATE_PLAYING);
  }
  ~Answerer() {
    g_signal_handlers_disconnect_by_data(webrtc_, this);
    gst_element_set_state(pipeline_, GST_STATE_NULL);
    gst_object_unref(pipeline_);
  }

  /* Local candidates gathered since the last call. */
  std::vector<std::pair<unsigned, std::string>> take_candidates() {
    std::lock_guard<std::mutex> l(lock_);
    return std::exchange(candidates_, {});
  }
  void add_candidate(unsigned mline, const std::string& candidate) {
    if (!candidate.empty())
      g_signal_emit_by_name(webrtc_, "add-ice-candidate", mline, candidate.c_str());
  }
  /* RTP buffers that left webrtcbin decoded-side: media reached us. */
  unsigned buffers() const { return buffers_; }
  bool connected() const {
    GstWebRTCPeerConnectionState state;
    g_object_get(webrtc_, "connection-state", &state, NULL);
    return state == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED;
  }
  Answerer(const Answerer&) = delete;
  Answerer& operator=(const Answerer&) = delete;

  /* The answer's SDP text for offer_sdp, or "" with *error set. */
  std::string answer(const std::string& offer_sdp, std::string* error) {
    GstSDPMessage* sdp = nullptr;
    if (gst_sdp_message_new_from_text(offer_sdp.c_str(), &sdp) != GST_SDP_OK) {
      *error = "offer is not SDP";
      return "";
    }
    GstWebRTCSessionDescription* offer =
        gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_OFFER, sdp);
    GstPromise* p = gst_promise_new();
    g_signal_emit_by_name(webrtc_, "set-remote-description", offer, p);
    gst_webrtc_session_description_free(offer);
    if (!wait(p, error, "set-remote-description"))
      return "";
    p = gst_promise_new();
    g_signal_emit_by_name(webrtc_, "create-answer", nullptr, p);
    GstWebRTCSessionDescription* answer = nullptr;
    if (gst_promise_wait(p) == GST_PROMISE_RESULT_REPLIED && gst_promise_get_reply(p))
      gst_structure_get(gst_promise_get_reply(p), "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION,
                        &answer, NULL);
    gst_promise_unref(p);
    if (!answer) {
      *error = "create-answer failed";
      return "";
    }
    p = gst_promise_new();
    g_signal_emit_by_name(webrtc_, "set-local-description", answer, p);
    bool ok = wait(p, error, "set-local-description");
    gchar* text = gst_sdp_message_as_text(answer->sdp);
    std::string out = ok ? text : "";
    g_free(text);
    gst_webrtc_session_description_free(answer);
    return out;
  }

 private:
  static bool wait(GstPromise* p, std::string* error, const char* what) {
    bool ok = gst_promise_wait(p) == GST_PROMISE_RESULT_REPLIED;
    const GstStructure* reply = gst_promise_get_reply(p);
    if (reply && gst_structure_has_field(reply, "error"))
      ok = false;
    gst_promise_unref(p);
    if (!ok)
      *error = std::string(what) + " failed";
    return ok;
  }

  static void on_candidate(GstElement*, guint mline, gchar* candidate, gpointer data) {
    auto* self = static_cast<Answerer*>(data);
    std::lock_guard<std::mutex> l(self->lock_);
    self->candidates_.emplace_back(mline, candidate ? candidate : "");
  }
  /* Received media goes nowhere, but must not be "not linked". */
  static void on_pad_added(GstElement*, GstPad* pad, gpointer data) {
    auto* self = static_cast<Answerer*>(data);
    if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC)
      return;
    gst_pad_add_probe(
        pad, GST_PAD_PROBE_TYPE_BUFFER,
        [](GstPad*, GstPadProbeInfo*, gpointer d) {
          static_cast<Answerer*>(d)->buffers_++;
          return GST_PAD_PROBE_OK;
        },
        self, nullptr);
    GstElement* sink = gst_element_factory_make("fakesink", nullptr);
    g_object_set(sink, "async", FALSE, "sync", FALSE, NULL);
    gst_bin_add(GST_BIN(self->pipeline_), sink);
    gst_element_sync_state_with_parent(sink);
    GstPad* sinkpad = gst_element_get_static_pad(sink, "sink");
    gst_pad_link(pad, sinkpad);
    gst_object_unref(sinkpad);
  }

  GstElement* pipeline_ = nullptr;
  GstElement* webrtc_ = nullptr;
  std::mutex lock_;
  std::vector<std::pair<unsigned, std::string>> candidates_;
  std::atomic<unsigned> buffers_{0};
};

/* The viewer side of a started session: waits for the offer, answers it
 * with `peer`, trades ICE candidates until `peer` is connected (DTLS
 * done). Works in both dialects through the three hooks. Returns the
 * offer's SDP. */
struct Dialect {
  std::function<std::optional<std::string>(const Msg&)> offer;  // SDP of an offer frame
  std::function<std::optional<std::pair<unsigned, std::string>>(const Msg&)> ice;
  std::function<std::string(const std::string& answer)> answer_frame;
  std::function<std::string(unsigned, const std::string&)> ice_frame;
};
inline Dialect gst_dialect(const std::string& sid) {
  Dialect d;
  d.offer = [sid](const Msg& m) -> std::optional<std::string> {
    if (m.type() != "peer" || m["sessionId"].str() != sid || !m["sdp"].exists())
      return std::nullopt;
    return m["sdp"]["sdp"].str();
  };
  d.ice = [sid](const Msg& m) -> std::optional<std::pair<unsigned, std::string>> {
    if (m.type() != "peer" || m["sessionId"].str() != sid || !m["ice"].exists())
      return std::nullopt;
    return std::make_pair(unsigned(m["ice"]["sdpMLineIndex"].num()), m["ice"]["candidate"].str());
  };
  d.answer_frame = [sid](const std::string& answer) {
    return R"({"type":"peer","sessionId":")" + sid + R"(","sdp":{"type":"answer","sdp":)" +
           json_quote(answer) + "}}";
  };
  d.ice_frame = [sid](unsigned mline, const std::string& cand) {
    return R"({"type":"peer","sessionId":")" + sid + R"(","ice":{"candidate":)" + json_quote(cand) +
           R"(,"sdpMLineIndex":)" + std::to_string(mline) + "}}";
  };
  return d;
}

inline std::string connect_peer(WsClient& c, Answerer& peer, const Dialect& d,
                                std::vector<Msg>* others = nullptr) {
  std::vector<std::pair<unsigned, std::string>> early;  // ICE racing the offer
  std::optional<std::string> offer;
  auto m = c.next_matching(
      [&](const Msg& m) {
        if ((offer = d.offer(m)))
          return true;
        if (auto ice = d.ice(m))
          early.push_back(*ice);
        else if (others)
          others->push_back(m);
        return false;
      },
      8000);
  EXPECT_TRUE(offer) << "no offer";
  if (!offer)
    return "";
  std::string error;
  std::string answer = peer.answer(*offer, &error);
  EXPECT_FALSE(answer.empty()) << error;
  if (answer.empty())
    return *offer;
  c.send_text(d.answer_frame(answer));
  for (auto& [mline, cand] : early)
    peer.add_candidate(mline, cand);
  bool connected = wait_until(
      [&] {
        while (auto m = c.next_message(0)) {
          if (auto ice = d.ice(*m))
            peer.add_candidate(ice->first, ice->second);
          else if (others)
            others->push_back(*m);
        }
        for (auto& [mline, cand] : peer.take_candidates())
          c.send_text(d.ice_frame(mline, cand));
        return peer.connected();
      },
      8000);
  EXPECT_TRUE(connected) << "the viewer never connected";
  return *offer;
}
inline std::string connect_peer(WsClient& c, const std::string& sid, Answerer& peer,
                                std::vector<Msg>* others = nullptr) {
  return connect_peer(c, peer, gst_dialect(sid), others);
}

}  // namespace nvcftest
