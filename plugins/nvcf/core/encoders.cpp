#include "encoders.h"

#include <algorithm>
#include <cctype>

namespace nvcf {

const std::vector<std::string>& video_encoder_preference() {
  static const std::vector<std::string> order = {"nvh264enc", "x264enc", "openh264enc",
                                                 "vp8enc"};
  return order;
}

std::string choose_video_encoder(const std::string& requested,
                                 const std::function<bool(const std::string&)>& available,
                                 std::string* error) {
  if (requested.empty() || requested == "auto") {
    for (const auto& name : video_encoder_preference())
      if (available(name))
        return name;
    if (error)
      *error = "no video encoder available (tried nvh264enc, x264enc, openh264enc, vp8enc)";
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
  const std::string rate = std::to_string(kbps);
  EncoderSetup s;
  s.media_type = "video/x-h264";
  s.parser = "h264parse";
  /* Constrained baseline: every browser decodes it, no B-frames. */
  s.caps = "video/x-h264,profile=constrained-baseline";
  if (factory == "nvh264enc") {
    /* CBR, no B-frames, infinite GOP (viewers get key units on demand),
     * zero lookahead, a VBV of about one frame, SPS/PPS repeated. */
    s.properties = {{"preset", "low-latency-hq"}, {"rc-mode", "cbr"}, {"bitrate", rate},
                    {"gop-size", "-1"},           {"bframes", "0"},   {"rc-lookahead", "0"},
                    {"zerolatency", "true"},      {"vbv-buffer-size", std::to_string(kbps / 30)},
                    {"repeat-sequence-header", "true"}};
    s.caps = "video/x-h264,profile=constrained-baseline";
  } else if (factory == "x264enc") {
    s.properties = {{"tune", "zerolatency"},  {"speed-preset", "ultrafast"},
                    {"bitrate", rate},        {"key-int-max", "2147483647"},
                    {"bframes", "0"},         {"rc-lookahead", "0"},
                    {"sliced-threads", "true"}, {"vbv-buf-capacity", "33"},
                    {"byte-stream", "true"}};
  } else if (factory == "openh264enc") {
    s.properties = {{"bitrate", std::to_string(kbps * 1000)}, {"usage-type", "screen"},
                    {"rate-control", "bitrate"}, {"gop-size", "2147483647"},
                    {"complexity", "low"}};
  } else if (factory == "vp8enc" || factory == "vp9enc") {
    /* libvpx's defaults (best-quality deadline, lag) are far from real time. */
    s.media_type = factory == "vp8enc" ? "video/x-vp8" : "video/x-vp9";
    s.parser = "";
    s.caps = "";
    s.properties = {{"deadline", "1"},          {"cpu-used", "8"},
                    {"end-usage", "cbr"},       {"target-bitrate", std::to_string(kbps * 1000)},
                    {"lag-in-frames", "0"},     {"keyframe-max-dist", "2147483647"},
                    {"error-resilient", "default"}, {"threads", "2"}};
  } else {
    /* Any other encoder (x265enc, vp9enc, a hardware one): what it produces
     * decides the parser; its own defaults stay. */
    s.caps = "";
    if (!produced.empty()) {
      s.media_type = produced;
      s.parser = video_parser_for(produced);
    }
  }
  return s;
}

std::optional<BitrateProperty> encoder_bitrate_property(
    const std::string& factory, const std::function<bool(const std::string&)>& has_property,
    const std::function<std::string(const std::string&)>& blurb_of) {
  static const std::vector<std::pair<std::string, BitrateProperty>> known = {
      {"x264enc", {"bitrate", 1000}},       {"x265enc", {"bitrate", 1000}},
      {"nvh264enc", {"bitrate", 1000}},     {"nvh265enc", {"bitrate", 1000}},
      {"openh264enc", {"bitrate", 1}},      {"vp8enc", {"target-bitrate", 1}},
      {"vp9enc", {"target-bitrate", 1}},
  };
  for (const auto& [name, prop] : known)
    if (name == factory)
      return has_property(prop.name) ? std::optional<BitrateProperty>(prop) : std::nullopt;
  for (const char* name : {"bitrate", "target-bitrate"}) {
    if (!has_property(name))
      continue;
    std::string blurb = blurb_of(name);
    std::transform(blurb.begin(), blurb.end(), blurb.begin(), [](unsigned char c) { return std::tolower(c); });
    bool kbit = blurb.find("kbit") != std::string::npos || blurb.find("kbps") != std::string::npos;
    return BitrateProperty{name, kbit ? 1000u : 1u};
  }
  return std::nullopt;
}

std::string video_parser_for(const std::string& media_type) {
  if (media_type == "video/x-h264")
    return "h264parse";
  if (media_type == "video/x-h265")
    return "h265parse";
  return "";
}

bool supported_video_media_type(const std::string& media_type) {
  return !payloader_for(media_type).empty() && media_type.rfind("video/", 0) == 0;
}

std::string payloader_for(const std::string& media_type) {
  static const std::vector<std::pair<std::string, std::string>> table = {
      {"video/x-h264", "rtph264pay"}, {"video/x-h265", "rtph265pay"},
      {"video/x-vp8", "rtpvp8pay"},   {"video/x-vp9", "rtpvp9pay"},
      {"audio/x-opus", "rtpopuspay"},
  };
  auto it = std::find_if(table.begin(), table.end(),
                         [&](const auto& e) { return e.first == media_type; });
  return it == table.end() ? "" : it->second;
}

}  // namespace nvcf
