/* The latency stamp: the code round-trips, a damaged one is refused, the
 * 40-bit time unwraps to the nearest full time, and nvcflatencystamp's
 * stamps survive real low-bitrate encodes (x264enc and vp8enc, decoded by
 * openh264dec and vp8dec) at the sizes the bench uses. */
#include <gtest/gtest.h>
#include <gst/app/gstappsink.h>
#include <gst/video/video.h>

#include <vector>

#include "core/latencystamp.h"
#include "nvcftest.h"

using namespace nvcftest;

TEST(LatencyStamp, RoundTripsAndRefusesDamage) {
  const unsigned w = 640, h = 360, stride = 704;
  std::vector<uint8_t> luma(stride * h, 90);
  const uint64_t t = 1796175316123456ull;
  ASSERT_TRUE(nvcf::draw_stamp(luma.data(), stride, w, h, t));
  auto got = nvcf::read_stamp(luma.data(), stride, w, h);
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, t & ((uint64_t(1) << 40) - 1));
  EXPECT_EQ(nvcf::unwrap_stamp(*got, t + 5000), t);

  /* One block flipped: the check refuses it. */
  unsigned block = nvcf::stamp_block(w, h);
  for (unsigned y = 0; y < block; y++)
    for (unsigned x = 3 * block; x < 4 * block; x++)
      luma[y * stride + x] = luma[y * stride + x] > 128 ? 16 : 235;
  EXPECT_FALSE(nvcf::read_stamp(luma.data(), stride, w, h));

  /* A plain frame carries no stamp. */
  std::vector<uint8_t> grey(stride * h, 128);
  EXPECT_FALSE(nvcf::read_stamp(grey.data(), stride, w, h));
  /* Too small to carry one. */
  EXPECT_EQ(nvcf::stamp_block(160, 120), 0u);
  EXPECT_FALSE(nvcf::draw_stamp(grey.data(), stride, 160, 120, t));
}

TEST(LatencyStamp, UnwrapsAcrossThePeriod) {
  const uint64_t period = uint64_t(1) << 40;
  uint64_t now = 3 * period + 10;  // just past a wrap
  uint64_t stamp = period - 20;    // taken just before it
  EXPECT_EQ(nvcf::unwrap_stamp(stamp, now), 3 * period - 20);
  EXPECT_EQ(nvcf::unwrap_stamp(15, 3 * period - 5), 3 * period + 15);
}

namespace {

/* Frames of "<source> ! nvcflatencystamp ! <codec chain> ! appsink": how
 * many decoded, how many carried a readable stamp inside the run's time. */
struct Decoded {
  int frames = 0, stamped = 0;
};

Decoded run_chain(int width, int height, const std::string& codec) {
  std::string desc = "videotestsrc num-buffers=30 pattern=ball ! video/x-raw,format=I420,width=" +
                     std::to_string(width) + ",height=" + std::to_string(height) +
                     ",framerate=30/1 ! nvcflatencystamp ! " + codec +
                     " ! videoconvert ! video/x-raw,format=I420 ! appsink name=out sync=false";
  GError* err = nullptr;
  GstElement* pipeline = gst_parse_launch(desc.c_str(), &err);
  EXPECT_NE(pipeline, nullptr) << (err ? err->message : "?") << ": " << desc;
  if (!pipeline)
    return {};
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "out");
  uint64_t start = uint64_t(g_get_real_time());
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  Decoded d;
  while (GstSample* sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 10 * GST_SECOND)) {
    GstVideoInfo info;
    gst_video_info_from_caps(&info, gst_sample_get_caps(sample));
    GstVideoFrame frame;
    if (gst_video_frame_map(&frame, &info, gst_sample_get_buffer(sample), GST_MAP_READ)) {
      d.frames++;
      auto t = nvcf::read_stamp(static_cast<const uint8_t*>(GST_VIDEO_FRAME_COMP_DATA(&frame, 0)),
                                GST_VIDEO_FRAME_COMP_STRIDE(&frame, 0), width, height);
      uint64_t now = uint64_t(g_get_real_time());
      if (t) {
        uint64_t full = nvcf::unwrap_stamp(*t, now);
        if (full >= start && full <= now)
          d.stamped++;
      }
      gst_video_frame_unmap(&frame);
    }
    gst_sample_unref(sample);
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(sink);
  gst_object_unref(pipeline);
  return d;
}

}  // namespace

TEST(LatencyStamp, SurvivesLowBitrateEncodes) {
  init();
  struct Case {
    int w, h;
    const char* codec;
  } cases[] = {
      {1280, 720,
       "x264enc tune=zerolatency speed-preset=ultrafast bitrate=500 ! h264parse ! "
       "openh264dec"},
      {320, 240,
       "x264enc tune=zerolatency speed-preset=ultrafast bitrate=150 ! h264parse ! "
       "openh264dec"},
      {1920, 1080, "vp8enc deadline=1 target-bitrate=800000 ! vp8dec"},
  };
  for (const char* factory : {"x264enc", "openh264dec", "vp8enc", "vp8dec"})
    if (GstElementFactory* f = gst_element_factory_find(factory))
      gst_object_unref(f);
    else
      GTEST_SKIP() << factory << " is not installed here";
  for (const Case& c : cases) {
    Decoded d = run_chain(c.w, c.h, c.codec);
    EXPECT_EQ(d.frames, 30) << c.w << "x" << c.h << " " << c.codec;
    EXPECT_EQ(d.stamped, d.frames) << c.w << "x" << c.h << " " << c.codec;
  }
}
