/* A session's data channels, of the gst-plugins-rs schema: "control"
 * (requests with replies), "input" (bare navigation events), and any other
 * channel, ours or the viewer's, for application data. Messages arrive on
 * webrtcbin's own thread. */
#include "gstnvcfsessionimpl.h"

#include "core/input.h"
#include "gstnvcfnavigation.h"

#define GST_CAT_DEFAULT gst_nvcf_session_debug

static void reply_on(GstWebRTCDataChannel* channel, const std::string& text) {
  g_signal_emit_by_name(channel, "send-string", text.c_str());
}

static std::string deliver(GstNvcfSession::Impl* impl, const std::string& mid, GstEvent* ev) {
  return impl->cb.upstream(mid, ev);
}

void gst_nvcf_session_on_channel_message(GstWebRTCDataChannel* channel, gchar* text,
                                         gpointer user_data) {
  auto* impl = static_cast<GstNvcfSession::Impl*>(user_data);
  /* Data channel messages are emitted on webrtcbin's own thread. */
  impl->webrtc_thread = g_thread_self();
  if (impl->stopped || !text)
    return;
  gchar* label = NULL;
  g_object_get(channel, "label", &label, NULL);
  std::string name = label ? label : "";
  g_free(label);

  if (name == "control") {
    nvcf::ControlParse p = nvcf::parse_control_message(text);
    if (!p.id && p.request_type.empty()) {
      /* Not a control request at all: application data. */
      impl->cb.data(name, text);
      return;
    }
    std::string error = p.error;
    if (p.request) {
      const nvcf::ControlRequest& rq = *p.request;
      GstEvent* ev = nullptr;
      if (rq.kind == nvcf::ControlRequest::Kind::Navigation)
        ev = gst_nvcf_navigation_event_new(rq.navigation);
      else
        ev = gst_nvcf_custom_upstream_event_new(rq.structure_name, rq.structure_json, &error);
      if (ev)
        error = deliver(impl, rq.mid.value_or(""), ev);
    }
    if (!error.empty())
      GST_INFO("[%s] control request refused: %s", impl->config.label.c_str(), error.c_str());
    reply_on(channel, nvcf::control_reply(p.id, error));
  } else if (name == "input") {
    nvcf::InputParse p = nvcf::parse_input_message(text);
    if (!p.event) {
      GST_INFO("[%s] input refused: %s", impl->config.label.c_str(), p.error.c_str());
      return;
    }
    std::string error =
        deliver(impl, p.event->mid.value_or(""), gst_nvcf_navigation_event_new(*p.event));
    if (!error.empty())
      GST_INFO("[%s] input not delivered: %s", impl->config.label.c_str(), error.c_str());
  } else {
    impl->cb.data(name, text);
  }
}

void gst_nvcf_session_on_remote_channel(GstElement*, GstWebRTCDataChannel* channel,
                                        gpointer user_data) {
  /* Channels the viewer opens carry application data. */
  g_signal_connect(channel, "on-message-string", G_CALLBACK(gst_nvcf_session_on_channel_message),
                   user_data);
}

bool GstNvcfSession::send_data(const std::string& text) {
  GstWebRTCDataChannel* channel = NULL;
  {
    std::lock_guard<std::mutex> lock(impl_->lock);
    if (impl_->control && !impl_->stopped)
      channel = GST_WEBRTC_DATA_CHANNEL(gst_object_ref(impl_->control));
  }
  if (!channel)
    return false;
  GstWebRTCDataChannelState state;
  g_object_get(channel, "ready-state", &state, NULL);
  bool open = state == GST_WEBRTC_DATA_CHANNEL_STATE_OPEN;
  /* send-string queues the text into SCTP and returns: it never waits for
   * webrtcbin's thread, so any thread may send, data-received's included. */
  if (open)
    reply_on(channel, text);
  gst_object_unref(channel);
  return open;
}
