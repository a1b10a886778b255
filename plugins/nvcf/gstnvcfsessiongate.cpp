/* The media gate of a session's branches (see gstnvcfsessionimpl.h), and
 * a new branch's first caps: what decides which of the shared stream's
 * buffers and events reach one viewer's webrtcbin, and when. */
#include <vector>

#include "gstnvcfsessionimpl.h"

#define GST_CAT_DEFAULT gst_nvcf_session_debug

/* The media gate of one branch. Until the transport (ICE and DTLS) has
 * connected, media is dropped where it would enter webrtcbin (it would be
 * held there, as webrtcbin's send bin blocks until DTLS is up, and our
 * queue would fill behind it): otherwise the viewer's first frame would be
 * a key unit from the session's start, hundreds of milliseconds old, with a
 * burst of stale frames after it. The branch before that point still
 * negotiates and fails as before. From connection on, video waits at the
 * tee for the key unit then requested, at most kKeyUnitWaitUs (an upstream
 * that ignores the request must not stall the viewer; its PLI recovers). */
struct TeeGate {
  GstNvcfSession::Impl* impl;
  bool video;
  bool keyed = false; /* the tee pad's streaming thread only */
};
constexpr gint64 kKeyUnitWaitUs = 1000 * 1000;

static bool awaiting_key_unit(TeeGate* gate, GstPadProbeInfo* info) {
  gint64 since = gate->impl->connected_at;
  if (since == 0 || !gate->video || gate->keyed)
    return false;
  GstBuffer* first = (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER)
                         ? GST_PAD_PROBE_INFO_BUFFER(info)
                         : gst_buffer_list_get(GST_PAD_PROBE_INFO_BUFFER_LIST(info), 0);
  bool key = first && !GST_BUFFER_FLAG_IS_SET(first, GST_BUFFER_FLAG_DELTA_UNIT);
  if (!key && g_get_monotonic_time() - since < kKeyUnitWaitUs)
    return true;
  gate->keyed = true;
  return false;
}

/* On the branch's last pad before webrtcbin, its streaming thread. */
static GstPadProbeReturn before_connection(GstPad*, GstPadProbeInfo*, gpointer user_data) {
  auto* impl = static_cast<GstNvcfSession::Impl*>(user_data);
  return impl->connected_at == 0 ? GST_PAD_PROBE_DROP : GST_PAD_PROBE_OK;
}

/* The tee every viewer shares must never see one session's flow return:
 * a not-negotiated or an error from a branch would travel upstream and
 * stop the source for everyone. So buffers reach the branch from this
 * probe, the tee always gets OK, and a branch that fails ends its own
 * session (its viewer is told why) and takes no more buffers. Events and
 * queries still use the link. Runs on the tee's streaming thread. */
static GstPadProbeReturn on_tee_data(GstPad* pad, GstPadProbeInfo* info, gpointer user_data) {
  auto* gate = static_cast<TeeGate*>(user_data);
  auto* impl = gate->impl;
  if (impl->branch_failed || impl->stopped || awaiting_key_unit(gate, info))
    return GST_PAD_PROBE_DROP;
  GstPad* peer = gst_pad_get_peer(pad);
  if (!peer)
    return GST_PAD_PROBE_OK;
  GstFlowReturn ret;
  if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER)
    ret = gst_pad_chain(peer, gst_buffer_ref(GST_PAD_PROBE_INFO_BUFFER(info)));
  else
    ret = gst_pad_chain_list(peer, gst_buffer_list_ref(GST_PAD_PROBE_INFO_BUFFER_LIST(info)));
  gst_object_unref(peer);
  if (ret <= GST_FLOW_NOT_NEGOTIATED && !impl->branch_failed.exchange(true)) {
    GST_WARNING("[%s] %s: branch failed: %s", impl->config.label.c_str(), GST_PAD_NAME(pad),
                gst_flow_get_name(ret));
    impl->cb.failed(std::string("the media cannot be sent to this viewer (") +
                    gst_flow_get_name(ret) + ")");
  }
  /* Our reference went to the branch; DROP releases the tee's and returns
   * OK to it. */
  return GST_PAD_PROBE_DROP;
}

void gst_nvcf_session_gate_webrtc_input(GstNvcfSession::Impl* impl, GstPad* pad) {
  gst_pad_add_probe(pad,
                    (GstPadProbeType)(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
                    before_connection, impl, NULL);
}

void gst_nvcf_session_gate_tee(GstNvcfSession::Impl* impl, Branch& b) {
  gst_pad_add_probe(b.tee_pad,
                    (GstPadProbeType)(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
                    on_tee_data, new TeeGate{impl, b.tap.video},
                    [](gpointer g) { delete static_cast<TeeGate*>(g); });
}

/* The tee hands a new pad its stream's sticky events only with the next
 * buffer, up to a frame interval after the session starts, and the offer
 * waits for the caps. These copies go into the branch queue, never onto the
 * tee's pad: a branch that refuses them fails on its own queue thread, as it
 * would with the next frame, and the tee never sees the refusal. The tee's
 * own copies follow with that frame, identical and harmless. */
void GstNvcfSession::send_stream_caps() {
  Impl* impl = impl_.get();
  for (auto& b : impl->branches) {
    GstPad* tee_sink = gst_element_get_static_pad(b.tap.tee, "sink");
    std::vector<GstEvent*> events;
    gst_pad_sticky_events_foreach(
        tee_sink,
        [](GstPad*, GstEvent** event, gpointer data) -> gboolean {
          GstEventType t = GST_EVENT_TYPE(*event);
          if (t == GST_EVENT_STREAM_START || t == GST_EVENT_CAPS || t == GST_EVENT_SEGMENT)
            static_cast<std::vector<GstEvent*>*>(data)->push_back(gst_event_ref(*event));
          return TRUE;
        },
        &events);
    gst_object_unref(tee_sink);
    GstPad* sink = gst_element_get_static_pad(b.queue, "sink");
    for (GstEvent* e : events)
      gst_pad_send_event(sink, e);
    gst_object_unref(sink);
  }
}
