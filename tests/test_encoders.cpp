/* Encoder choice for raw input and the low-latency settings of each encoder:
 * the preference order, the errors, and that every property the settings
 * name really exists on the installed element and takes the value. */
#include <gtest/gtest.h>
#include <gst/gst.h>

#include <set>

#include "core/encoders.h"

using nvcf::choose_video_encoder;
using nvcf::video_encoder_setup;

namespace {

auto only(std::set<std::string> present) {
  return [present](const std::string& name) { return present.count(name) > 0; };
}

std::string property(const nvcf::EncoderSetup& s, const std::string& name) {
  for (auto& [k, v] : s.properties)
    if (k == name)
      return v;
  return "<unset>";
}

}  // namespace

TEST(EncoderChoice, AutoPrefersHardwareThenH264ThenVp8) {
  std::string error;
  EXPECT_EQ(choose_video_encoder("auto", only({"nvh264enc", "x264enc", "vp8enc"}), &error),
            "nvh264enc");
  EXPECT_EQ(choose_video_encoder("auto", only({"x264enc", "openh264enc", "vp8enc"}), &error),
            "x264enc");
  EXPECT_EQ(choose_video_encoder("auto", only({"openh264enc", "vp8enc"}), &error), "openh264enc");
  EXPECT_EQ(choose_video_encoder("auto", only({"vp8enc"}), &error), "vp8enc");
  EXPECT_EQ(choose_video_encoder("", only({"vp8enc", "x264enc"}), &error), "x264enc")
      << "empty means auto";
}

TEST(EncoderChoice, NothingUsableSaysWhatWasTried) {
  std::string error;
  EXPECT_EQ(choose_video_encoder("auto", only({"theoraenc"}), &error), "");
  for (const char* tried : {"nvh264enc", "x264enc", "openh264enc", "vp8enc"})
    EXPECT_NE(error.find(tried), std::string::npos) << error;
}

TEST(EncoderChoice, ExplicitNameMustExist) {
  std::string error;
  EXPECT_EQ(choose_video_encoder("vp8enc", only({"x264enc", "vp8enc"}), &error), "vp8enc");
  EXPECT_EQ(choose_video_encoder("nvh264enc", only({"x264enc"}), &error), "");
  EXPECT_NE(error.find("\"nvh264enc\" is not available"), std::string::npos) << error;
}

TEST(EncoderSetup, LowLatencySettings) {
  auto nv = video_encoder_setup("nvh264enc", 6000);
  EXPECT_EQ(property(nv, "rc-mode"), "cbr");
  EXPECT_EQ(property(nv, "bframes"), "0");
  EXPECT_EQ(property(nv, "gop-size"), "-1");
  EXPECT_EQ(property(nv, "rc-lookahead"), "0");
  EXPECT_EQ(property(nv, "vbv-buffer-size"), "200") << "about one frame at 30 fps, in kbit";
  EXPECT_EQ(nv.parser, "h264parse");

  auto x = video_encoder_setup("x264enc", 4000);
  EXPECT_EQ(property(x, "tune"), "zerolatency");
  EXPECT_EQ(property(x, "bframes"), "0");
  EXPECT_EQ(property(x, "bitrate"), "4000");
  EXPECT_EQ(x.caps, "video/x-h264,profile=constrained-baseline");

  auto vp8 = video_encoder_setup("vp8enc", 2000);
  EXPECT_EQ(vp8.media_type, "video/x-vp8");
  EXPECT_EQ(vp8.parser, "");
  EXPECT_EQ(property(vp8, "target-bitrate"), "2000000") << "vp8enc counts bit/s";
  EXPECT_EQ(property(vp8, "deadline"), "1");
}

TEST(EncoderSetup, OtherEncodersGoByWhatTheyProduce) {
  auto vp9 = video_encoder_setup("vp9enc", 2000, "video/x-vp9");
  EXPECT_EQ(vp9.media_type, "video/x-vp9");
  EXPECT_EQ(vp9.parser, "");
  EXPECT_EQ(vp9.caps, "");
  EXPECT_EQ(property(vp9, "deadline"), "1") << "libvpx tuned for real time, as VP8";
  auto other = video_encoder_setup("av1enc", 2000, "video/x-av1");
  EXPECT_EQ(other.media_type, "video/x-av1");
  EXPECT_TRUE(other.properties.empty()) << "an unknown encoder keeps its defaults";
  auto h265 = video_encoder_setup("x265enc", 2000, "video/x-h265");
  EXPECT_EQ(h265.media_type, "video/x-h265");
  EXPECT_EQ(h265.parser, "h265parse");
  EXPECT_EQ(h265.caps, "") << "no H.264 profile forced on other codecs";
  auto theora = video_encoder_setup("theoraenc", 2000, "video/x-theora");
  EXPECT_FALSE(nvcf::supported_video_media_type(theora.media_type)) << "refused by the element";
}

/* A misspelt property would be skipped silently by gst_util_set_object_arg:
 * check each against the real element and read the value back. */
TEST(EncoderSetup, PropertiesExistOnInstalledEncoders) {
  gst_init(nullptr, nullptr);
  int checked = 0;
  std::string missing;
  auto factories = nvcf::video_encoder_preference();
  factories.push_back("vp9enc");  // tuned too, though never chosen by auto
  for (const auto& factory : factories) {
    GstElement* enc = gst_element_factory_make(factory.c_str(), nullptr);
    if (!enc) {
      missing += " " + factory;
      continue;
    }
    auto setup = video_encoder_setup(factory, 3000);
    EXPECT_FALSE(setup.properties.empty()) << factory;
    for (auto& [name, value] : setup.properties) {
      GParamSpec* spec = g_object_class_find_property(G_OBJECT_GET_CLASS(enc), name.c_str());
      ASSERT_NE(spec, nullptr) << factory << " has no property " << name;
      gst_util_set_object_arg(G_OBJECT(enc), name.c_str(), value.c_str());
      GValue got = G_VALUE_INIT, want = G_VALUE_INIT;
      g_value_init(&got, spec->value_type);
      g_value_init(&want, spec->value_type);
      g_object_get_property(G_OBJECT(enc), name.c_str(), &got);
      ASSERT_TRUE(gst_value_deserialize(&want, value.c_str()))
          << factory << "." << name << "=" << value;
      EXPECT_EQ(gst_value_compare(&got, &want), GST_VALUE_EQUAL)
          << factory << "." << name << ": set " << value << ", got " << gst_value_serialize(&got);
      g_value_unset(&got);
      g_value_unset(&want);
    }
    if (!setup.parser.empty()) {
      GstElementFactory* parser = gst_element_factory_find(setup.parser.c_str());
      EXPECT_NE(parser, nullptr) << setup.parser;
      if (parser)
        gst_object_unref(parser);
    }
    gst_object_unref(enc);
    checked++;
  }
  if (!missing.empty())
    std::cout << "[ SKIPPED ] not installed here:" << missing << std::endl;
  EXPECT_GT(checked, 0) << "no encoder at all";
}

/* ------------------------------------------------------- the codec table */

#include "codecs.h"

TEST(Codecs, EveryCodecHasWhatTheChainNeeds) {
  for (const nvcf::Codec& c : nvcf::codecs()) {
    EXPECT_FALSE(c.payloader.empty()) << c.name;
    EXPECT_FALSE(c.streamable_caps.empty()) << c.name;
    EXPECT_EQ(c.streamable_caps.rfind(c.media_type, 0), 0u) << c.name;
    EXPECT_GE(c.payload_type, 96u) << c.name;
    if (c.video) {
      EXPECT_EQ(c.rtcp_feedback,
                std::vector<std::string>({"rtcp-fb-nack", "rtcp-fb-nack-pli", "rtcp-fb-ccm-fir"}))
          << c.name;
    }
  }
  EXPECT_EQ(nvcf::codec_for("video/x-h264")->payloader, "rtph264pay");
  EXPECT_EQ(nvcf::codec_for("audio/x-opus")->payload_type, 111u);
  EXPECT_EQ(nvcf::codec_for("video/x-theora"), nullptr);
  EXPECT_EQ(nvcf::payloader_for("video/x-vp9"), "rtpvp9pay");
}

/* What a pad answers: preferred raw formats, then browser-decodable
 * encoded formats only (no High 4:4:4, no VP9 profile 1). */
TEST(Codecs, PadCapsListOnlyStreamableProfiles) {
  std::string video = nvcf::pad_caps(true);
  EXPECT_EQ(video.rfind("video/x-raw, format=(string){ NV12, I420 }", 0), 0u) << video;
  EXPECT_NE(video.find("profile=(string){ constrained-baseline, baseline, main, high }"),
            std::string::npos);
  EXPECT_LT(video.find("profile=(string)constrained-baseline"), video.find("{ constrained"));
  EXPECT_NE(video.find("video/x-vp9, profile=(string)0"), std::string::npos);
  EXPECT_EQ(video.find("audio/"), std::string::npos);
  std::string audio = nvcf::pad_caps(false);
  EXPECT_NE(audio.find("audio/x-opus"), std::string::npos);
  EXPECT_EQ(audio.find("video/"), std::string::npos);
}

/* Two streams of one codec in a session get distinct payload types. */
TEST(Codecs, PayloadTypesNeverClash) {
  EXPECT_EQ(nvcf::payload_types({"video/x-h264", "audio/x-opus"}),
            std::vector<unsigned>({96, 111}));
  EXPECT_EQ(nvcf::payload_types({"video/x-h264", "video/x-h264", "video/x-vp8"}),
            std::vector<unsigned>({96, 97, 98}));
}

TEST(Codecs, AutoPreferenceComesFromTheTable) {
  EXPECT_EQ(nvcf::video_encoder_preference(),
            std::vector<std::string>({"nvh264enc", "x264enc", "openh264enc", "vp8enc"}));
}
