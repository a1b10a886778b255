/* The codec table: for each codec the sink streams, everything the media
 * chain and the sessions need to know. Encoder choice, parsers,
 * payloaders, payload types, RTCP feedback and the caps rules all read
 * from here (encoders.cpp, gstnvcfstreams.cpp, gstnvcfsession.cpp). Pure
 * C++: caps are GStreamer caps strings, parsed by the callers. */
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace nvcf {

using Properties = std::vector<std::pair<std::string, std::string>>;

/* One encoder for a codec, with its low-latency settings. */
struct CodecEncoder {
  std::string factory;
  /* Preference for video-encoder=auto, lower first; 0 = never automatic. */
  unsigned auto_rank = 0;
  /* Properties set with gst_util_set_object_arg, in order; bitrate in kbit/s. */
  std::function<Properties(unsigned kbps)> properties;
  /* Caps forced after the encoder, "" for none. */
  std::string caps;
};

struct Codec {
  std::string name;        // "H.264", for messages
  std::string media_type;  // "video/x-h264"
  bool video = true;
  std::string parser;  // after an encoder or for encoded input, "" for none
  Properties parser_properties;
  std::string payloader;
  Properties payloader_properties;
  unsigned payload_type = 96;  // preferred; a session takes the next free one on a clash
  /* Caps fields webrtcbin turns into a=rtcp-fb lines of the offer. */
  std::vector<std::string> rtcp_feedback;
  /* What WebRTC browsers decode. Input that cannot meet these is refused
   * when its caps arrive; upstream encoders negotiate within them. */
  std::string streamable_caps;
  /* Asked of upstream encoders before the rest of streamable_caps, ""
   * for none: what every browser decodes. */
  std::string preferred_caps;
  /* What to tell a user whose stream falls outside streamable_caps. */
  std::string advice;
  std::vector<CodecEncoder> encoders;
};

/* Every codec, video first, in the order a sink pad offers them. */
const std::vector<Codec>& codecs();
/* The codec for an encoded media type, nullptr when we cannot stream it. */
const Codec* codec_for(const std::string& media_type);
/* The codec whose encoder list names factory, and that entry. */
const Codec* codec_for_encoder(const std::string& factory, const CodecEncoder** encoder);

/* The caps a sink pad answers queries with: raw formats encoders take
 * best, then every streamable encoded format of that kind. */
std::string pad_caps(bool video);

/* Payload types for the codecs of a session's branches, in order: each
 * codec's preferred one, else the next free dynamic one (96-127). */
std::vector<unsigned> payload_types(const std::vector<std::string>& media_types);

}  // namespace nvcf
