/* The codec table: see codecs.h. */
#include "codecs.h"

#include <algorithm>

namespace nvcf {

namespace {

const std::vector<std::string> kVideoFeedback = {"rtcp-fb-nack", "rtcp-fb-nack-pli",
                                                 "rtcp-fb-ccm-fir"};

/* SPS/PPS with every IDR, so a viewer can join at any key unit. */
const Properties kH26xParser = {{"config-interval", "-1"}};

std::vector<Codec> build() {
  std::vector<Codec> t;

  Codec h264;
  h264.name = "H.264";
  h264.media_type = "video/x-h264";
  h264.parser = "h264parse";
  h264.parser_properties = kH26xParser;
  h264.payloader = "rtph264pay";
  h264.payloader_properties = {{"config-interval", "-1"}, {"aggregate-mode", "zero-latency"}};
  h264.payload_type = 96;
  h264.rtcp_feedback = kVideoFeedback;
  /* 8-bit 4:2:0 profiles: what browsers' decoders take. */
  h264.streamable_caps =
      "video/x-h264, profile=(string){ constrained-baseline, baseline, main, high }";
  /* Some browsers answer high with a rejected m-line: constrained
   * baseline first, which all decode. */
  h264.preferred_caps = "video/x-h264, profile=(string)constrained-baseline";
  h264.advice =
      "browsers decode H.264 constrained-baseline, baseline, main or high (8-bit 4:2:0): "
      "add video/x-h264,profile=high (or constrained-baseline) after the encoder, or "
      "convert its input with videoconvert ! video/x-raw,format=I420";
  /* Constrained baseline from our own encoders: every browser decodes it,
   * no B-frames. */
  const std::string cb = "video/x-h264,profile=constrained-baseline";
  h264.encoders = {
      {"nvh264enc", 1,
       [](unsigned kbps) {
         /* CBR, no B-frames, infinite GOP (viewers get key units on
          * demand), zero lookahead, a VBV of about one frame, SPS/PPS
          * repeated. */
         return Properties{{"preset", "low-latency-hq"},
                           {"rc-mode", "cbr"},
                           {"bitrate", std::to_string(kbps)},
                           {"gop-size", "-1"},
                           {"bframes", "0"},
                           {"rc-lookahead", "0"},
                           {"zerolatency", "true"},
                           {"vbv-buffer-size", std::to_string(kbps / 30)},
                           {"repeat-sequence-header", "true"}};
       },
       cb},
      {"x264enc", 2,
       [](unsigned kbps) {
         return Properties{{"tune", "zerolatency"},
                           {"speed-preset", "ultrafast"},
                           {"bitrate", std::to_string(kbps)},
                           {"key-int-max", "2147483647"},
                           {"bframes", "0"},
                           {"rc-lookahead", "0"},
                           {"sliced-threads", "true"},
                           {"vbv-buf-capacity", "33"},
                           {"byte-stream", "true"}};
       },
       cb},
      {"openh264enc", 3,
       [](unsigned kbps) {
         return Properties{{"bitrate", std::to_string(kbps * 1000)},
                           {"usage-type", "screen"},
                           {"rate-control", "bitrate"},
                           {"gop-size", "2147483647"},
                           {"complexity", "low"}};
       },
       cb},
  };
  t.push_back(h264);

  Codec h265;
  h265.name = "H.265";
  h265.media_type = "video/x-h265";
  h265.parser = "h265parse";
  h265.parser_properties = kH26xParser;
  h265.payloader = "rtph265pay";
  h265.payloader_properties = h264.payloader_properties;
  h265.payload_type = 98;
  h265.rtcp_feedback = kVideoFeedback;
  h265.streamable_caps = "video/x-h265, profile=(string)main";
  h265.advice =
      "browsers that decode H.265 take the main profile (8-bit 4:2:0): add "
      "video/x-h265,profile=main after the encoder";
  t.push_back(h265);

  /* libvpx's defaults (best-quality deadline, lag) are far from real time. */
  auto vpx = [](unsigned kbps) {
    return Properties{{"deadline", "1"},
                      {"cpu-used", "8"},
                      {"end-usage", "cbr"},
                      {"target-bitrate", std::to_string(kbps * 1000)},
                      {"lag-in-frames", "0"},
                      {"keyframe-max-dist", "2147483647"},
                      {"error-resilient", "default"},
                      {"threads", "2"}};
  };
  Codec vp8;
  vp8.name = "VP8";
  vp8.media_type = "video/x-vp8";
  vp8.payloader = "rtpvp8pay";
  vp8.payloader_properties = {{"picture-id-mode", "15-bit"}};
  vp8.payload_type = 97;
  vp8.rtcp_feedback = kVideoFeedback;
  vp8.streamable_caps = "video/x-vp8";
  vp8.encoders = {{"vp8enc", 4, vpx, ""}};
  t.push_back(vp8);

  Codec vp9 = vp8;
  vp9.name = "VP9";
  vp9.media_type = "video/x-vp9";
  vp9.payloader = "rtpvp9pay";
  vp9.payload_type = 99;
  vp9.streamable_caps = "video/x-vp9, profile=(string)0";
  vp9.advice =
      "browsers decode VP9 profile 0 (8-bit 4:2:0): convert the encoder's input with "
      "videoconvert ! video/x-raw,format=I420";
  vp9.encoders = {{"vp9enc", 0, vpx, ""}};
  t.push_back(vp9);

  Codec opus;
  opus.name = "Opus";
  opus.media_type = "audio/x-opus";
  opus.video = false;
  opus.payloader = "rtpopuspay";
  opus.payload_type = 111;
  opus.streamable_caps = "audio/x-opus";
  opus.encoders = {{"opusenc", 1,
                    [](unsigned) {
                      return Properties{{"frame-size", "10"}, {"bitrate", "64000"}};
                    },
                    ""}};
  t.push_back(opus);
  return t;
}

}  // namespace

const std::vector<Codec>& codecs() {
  static const std::vector<Codec> table = build();
  return table;
}

const Codec* codec_for(const std::string& media_type) {
  for (const Codec& c : codecs())
    if (c.media_type == media_type)
      return &c;
  return nullptr;
}

const Codec* codec_for_encoder(const std::string& factory, const CodecEncoder** encoder) {
  for (const Codec& c : codecs())
    for (const CodecEncoder& e : c.encoders)
      if (e.factory == factory) {
        if (encoder)
          *encoder = &e;
        return &c;
      }
  return nullptr;
}

std::string pad_caps(bool video) {
  std::string caps = video ? "video/x-raw, format=(string){ NV12, I420 }; "
                             "video/x-raw(memory:CUDAMemory); video/x-raw"
                           : "audio/x-raw, format=(string)S16LE, rate=(int)48000; audio/x-raw";
  for (const Codec& c : codecs())
    if (c.video == video)
      caps += (c.preferred_caps.empty() ? "" : "; " + c.preferred_caps) + "; " + c.streamable_caps;
  return caps;
}

std::vector<unsigned> payload_types(const std::vector<std::string>& media_types) {
  std::vector<unsigned> used, out;
  auto take = [&](unsigned pt) {
    used.push_back(pt);
    out.push_back(pt);
  };
  for (const std::string& type : media_types) {
    const Codec* c = codec_for(type);
    unsigned pt = c ? c->payload_type : 96;
    if (std::find(used.begin(), used.end(), pt) == used.end()) {
      take(pt);
      continue;
    }
    unsigned next = 96;
    while (std::find(used.begin(), used.end(), next) != used.end() && next < 127)
      next++;
    take(next);
  }
  return out;
}

}  // namespace nvcf
