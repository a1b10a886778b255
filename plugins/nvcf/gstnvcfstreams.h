/* The media chain of nvcfwebrtcsink: one Stream per request pad, from the
 * ghost pad through the chain built for its caps (converter, encoder,
 * parser) to the tee that every session branches from.
 *
 * Threads: add()/release() run on the application thread (request and
 * release pad). The caps, caps-query and EOS probes run on the upstream
 * streaming threads. taps(), send_upstream(), encoder_stats(),
 * video_bitrate() and set_video_bitrate() may be called from any thread (the last runs on the
 * service loop). lock_ guards streams_ and each Stream's
 * media_type/ended; it is a leaf lock: never held while calling out
 * (GStreamer, hooks). */
#pragma once

#include <gst/gst.h>

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/codecs.h"
#include "core/config.h"
#include "gstnvcfsession.h"

struct GstNvcfStreamsHooks {
  /* The settings in force (encoder choice, bitrate), copied. */
  std::function<nvcf::Settings()> settings;
  /* A stream got its media chain, ended, or went away: media readiness
   * may have changed. From the thread that changed it. */
  std::function<void()> changed;
};

class GstNvcfStreams {
 public:
  GstNvcfStreams(GstBin* bin, GstNvcfStreamsHooks hooks);
  ~GstNvcfStreams();
  GstNvcfStreams(const GstNvcfStreams&) = delete;
  GstNvcfStreams& operator=(const GstNvcfStreams&) = delete;

  /* A new request pad from templ ("video_%u" or "audio_%u"); name may be
   * NULL. Returns the ghost pad, already added to the element, or NULL. */
  GstPad* add(GstPadTemplate* templ, const gchar* name);
  void release(GstPad* pad);

  /* Streams a new session can branch from: media chain built, not ended. */
  std::vector<GstNvcfStreamTap> taps() const;
  /* Pads exist and every one has its media chain built. */
  bool all_flowing() const;
  /* Pads exist and every one has received EOS. */
  bool all_ended() const;

  /* An upstream event from a viewer, for the first video stream. Returns ""
   * or why it could not be delivered. Takes ev. */
  std::string send_upstream(const std::string& mid, GstEvent* ev);
  /* video-bitrate and video-encoder of the first video stream's encoder
   * (ours, else one found upstream) into out; nothing when none. */
  void encoder_stats(GstStructure* out);
  /* That encoder's target bitrate in kbit/s, nullopt when there is none. */
  std::optional<guint> video_bitrate();
  /* Sets that encoder's target bitrate (congestion control); false when
   * there is none or it takes no such value. */
  bool set_video_bitrate(guint kbps);

  struct Stream;

 private:
  static GstPadProbeReturn on_caps(GstPad*, GstPadProbeInfo*, gpointer);
  static GstPadProbeReturn on_caps_query(GstPad*, GstPadProbeInfo*, gpointer);
  static GstPadProbeReturn on_eos(GstPad*, GstPadProbeInfo*, gpointer);
  bool plan_chain(Stream* s, GstCaps* caps, std::vector<GstElement*>* out);
  bool streamable(Stream* s, GstCaps* caps, const nvcf::Codec* codec);
  GstElement* video_encoder();

  GstBin* bin_; /* the element; not a reference */
  GstNvcfStreamsHooks hooks_;
  mutable std::mutex lock_;
  std::vector<std::unique_ptr<Stream>> streams_; /* protected by lock_ */
  guint next_video_ = 0, next_audio_ = 0;        /* protected by lock_ */
};
