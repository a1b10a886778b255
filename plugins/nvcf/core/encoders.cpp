#include "encoders.h"

#include "codecs.h"

#include <algorithm>
#include <cctype>

namespace nvcf {

const std::vector<std::string>& video_encoder_preference() {
  static const std::vector<std::string> order = [] {
    std::vector<std::pair<unsigned, std::string>> ranked;
    for (const Codec& c : codecs())
      for (const CodecEncoder& e : c.encoders)
        if (c.video && e.auto_rank)
          ranked.emplace_back(e.auto_rank, e.factory);
    std::sort(ranked.begin(), ranked.end());
    std::vector<std::string> names;
    for (auto& [rank, name] : ranked)
      names.push_back(name);
    return names;
  }();
  return order;
}

std::string choose_video_encoder(const std::string& requested,
                                 const std::function<bool(const std::string&)>& available,
                                 std::string* error) {
  if (requested.empty() || requested == "auto") {
    for (const auto& name : video_encoder_preference())
      if (available(name))
        return name;
    if (error) {
      std::string tried;
      for (const auto& name : video_encoder_preference())
        tried += (tried.empty() ? "" : ", ") + name;
      *error = "no video encoder available (tried " + tried + ")";
    }
    return "";
  }
  if (!available(requested)) {
    if (error)
      *error = "video encoder \"" + requested + "\" is not available";
    return "";
  }
  return requested;
}

EncoderSetup video_encoder_setup(const std::string& factory, unsigned kbps,
                                 const std::string& produced) {
  EncoderSetup s;
  const CodecEncoder* encoder = nullptr;
  const Codec* codec = codec_for_encoder(factory, &encoder);
  if (codec && codec->video) {
    s.properties = encoder->properties(kbps);
    s.caps = encoder->caps;
  } else {
    /* Any other encoder (x265enc, a hardware one): what it produces decides
     * the parser; its own defaults stay. */
    codec = codec_for(produced);
  }
  s.media_type = codec ? codec->media_type : produced;
  s.parser = codec ? codec->parser : "";
  return s;
}

std::optional<BitrateProperty> encoder_bitrate_property(
    const std::string& factory, const std::function<bool(const std::string&)>& has_property,
    const std::function<std::string(const std::string&)>& blurb_of) {
  static const std::vector<std::pair<std::string, BitrateProperty>> known = {
      {"x264enc", {"bitrate", 1000}},    {"x265enc", {"bitrate", 1000}},
      {"nvh264enc", {"bitrate", 1000}},  {"nvh265enc", {"bitrate", 1000}},
      {"openh264enc", {"bitrate", 1}},   {"vp8enc", {"target-bitrate", 1}},
      {"vp9enc", {"target-bitrate", 1}},
  };
  for (const auto& [name, prop] : known)
    if (name == factory)
      return has_property(prop.name) ? std::optional<BitrateProperty>(prop) : std::nullopt;
  for (const char* name : {"bitrate", "target-bitrate"}) {
    if (!has_property(name))
      continue;
    std::string blurb = blurb_of(name);
    std::transform(blurb.begin(), blurb.end(), blurb.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    bool kbit = blurb.find("kbit") != std::string::npos || blurb.find("kbps") != std::string::npos;
    return BitrateProperty{name, kbit ? 1000u : 1u};
  }
  return std::nullopt;
}

std::string video_parser_for(const std::string& media_type) {
  const Codec* c = codec_for(media_type);
  return c && c->video ? c->parser : "";
}

bool supported_video_media_type(const std::string& media_type) {
  const Codec* c = codec_for(media_type);
  return c && c->video;
}

std::string payloader_for(const std::string& media_type) {
  const Codec* c = codec_for(media_type);
  return c ? c->payloader : "";
}

}  // namespace nvcf
