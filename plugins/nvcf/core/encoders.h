/* Encoder selection and low-latency settings for raw input. Pure C++: the
 * element supplies which factories exist. */
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace nvcf {

/* Preference order for video-encoder=auto: hardware first, then software
 * H.264 (browsers all decode it), then VP8. */
const std::vector<std::string>& video_encoder_preference();

/* The encoder to use: requested ("auto" or a factory name) resolved against
 * available(). Returns "" when nothing usable exists; *error then says why. */
std::string choose_video_encoder(const std::string& requested,
                                 const std::function<bool(const std::string&)>& available,
                                 std::string* error);

struct EncoderSetup {
  /* Properties set with gst_util_set_object_arg, in order. */
  std::vector<std::pair<std::string, std::string>> properties;
  /* Caps forced after the encoder ("" for none), e.g. a browser-safe profile. */
  std::string caps;
  /* The parser to put after the encoder, "" for none. */
  std::string parser;
  /* Media type produced: "video/x-h264", "video/x-vp8", ... */
  std::string media_type;
};

/* Low-latency settings for a known encoder; unknown factories get only
 * what their media type implies (empty properties): produced is the media
 * type of the factory's src template, "" when unknown. bitrate in kbit/s. */
EncoderSetup video_encoder_setup(const std::string& factory, unsigned bitrate_kbps,
                                 const std::string& produced = "");

/* Where a video encoder keeps its target bitrate: the property and how many
 * bit/s one unit is (1000 for kbit/s). */
struct BitrateProperty {
  std::string name;
  unsigned bits_per_unit = 1;
};

/* Known encoders from a table; others by their "bitrate" or
 * "target-bitrate" property (has_property), the unit read from its
 * description (blurb_of: "kbit"/"kbps" means kbit/s). nullopt when the
 * element has neither. */
std::optional<BitrateProperty> encoder_bitrate_property(
    const std::string& factory, const std::function<bool(const std::string&)>& has_property,
    const std::function<std::string(const std::string&)>& blurb_of);

/* Parser for an already encoded video media type ("" when none is needed,
 * or the media type is not supported: see supported_video_media_type). */
std::string video_parser_for(const std::string& media_type);
bool supported_video_media_type(const std::string& media_type);

/* RTP payloader factory for an encoded media type, "" if unsupported. */
std::string payloader_for(const std::string& media_type);

}  // namespace nvcf
