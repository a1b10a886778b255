/* nvcfrtphdrextplayoutdelay: its URI, its three-byte payload (12 bits of
 * minimum, 12 of maximum delay, 10 ms units) both ways, and a payloader
 * that carries it on every packet. */
#include <gtest/gtest.h>
#include <gst/app/gstappsink.h>
#include <gst/rtp/rtp.h>

#include "gstnvcfplayoutdelay.h"
#include "nvcftest.h"

using namespace nvcftest;

TEST(PlayoutDelay, WritesAndReadsTheDelays) {
  init();
  GstElement* e = gst_element_factory_make("nvcfrtphdrextplayoutdelay", NULL);
  ASSERT_NE(e, nullptr);
  auto* ext = GST_RTP_HEADER_EXTENSION(e);
  EXPECT_STREQ(gst_rtp_header_extension_get_uri(ext), GST_NVCF_PLAYOUT_DELAY_URI);
  gst_rtp_header_extension_set_id(ext, 5);
  guint8 data[3] = {0xff, 0xff, 0xff};
  GstBuffer* out = gst_buffer_new();
  EXPECT_EQ(gst_rtp_header_extension_write(ext, out, GST_RTP_HEADER_EXTENSION_ONE_BYTE, out, data,
                                           sizeof data),
            3);
  EXPECT_EQ(data[0] | data[1] | data[2], 0) << "default: min = max = 0";

  g_object_set(e, "min-delay", 100u, "max-delay", 250u, NULL);
  gst_rtp_header_extension_write(ext, out, GST_RTP_HEADER_EXTENSION_ONE_BYTE, out, data,
                                 sizeof data);
  EXPECT_EQ(data[0], 0x00);
  EXPECT_EQ(data[1], 0xa0);  // 10 units of min, high nibble of max
  EXPECT_EQ(data[2], 0x19);  // 25 units of max

  GstElement* other = gst_element_factory_make("nvcfrtphdrextplayoutdelay", NULL);
  gst_rtp_header_extension_set_id(GST_RTP_HEADER_EXTENSION(other), 5);
  ASSERT_TRUE(gst_rtp_header_extension_read(GST_RTP_HEADER_EXTENSION(other),
                                            GST_RTP_HEADER_EXTENSION_ONE_BYTE, data, 3, out));
  guint min = 0, max = 0;
  g_object_get(other, "min-delay", &min, "max-delay", &max, NULL);
  EXPECT_EQ(min, 100u);
  EXPECT_EQ(max, 250u);
  /* A maximum below the minimum is raised to it. */
  g_object_set(other, "min-delay", 300u, "max-delay", 100u, NULL);
  g_object_get(other, "max-delay", &max, NULL);
  EXPECT_EQ(max, 300u);
  gst_buffer_unref(out);
  gst_object_unref(other);
  gst_object_unref(e);
}

TEST(PlayoutDelay, EveryPacketOfThePayloaderCarriesIt) {
  init();
  GError* err = nullptr;
  GstElement* pipeline = gst_parse_launch(
      "videotestsrc num-buffers=5 ! video/x-raw,width=320,height=240 ! x264enc ! rtph264pay "
      "name=pay mtu=600 ! appsink name=out sync=false",
      &err);
  ASSERT_NE(pipeline, nullptr) << (err ? err->message : "?");
  GstElement* pay = gst_bin_get_by_name(GST_BIN(pipeline), "pay");
  GstElement* ext = gst_element_factory_make("nvcfrtphdrextplayoutdelay", NULL);
  gst_rtp_header_extension_set_id(GST_RTP_HEADER_EXTENSION(ext), 5);
  g_signal_emit_by_name(pay, "add-extension", ext);
  gst_object_unref(ext);
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "out");
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  int packets = 0, with = 0;
  while (GstSample* sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 10 * GST_SECOND)) {
    GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
    if (gst_rtp_buffer_map(gst_sample_get_buffer(sample), GST_MAP_READ, &rtp)) {
      packets++;
      gpointer data = nullptr;
      guint size = 0;
      if (gst_rtp_buffer_get_extension_onebyte_header(&rtp, 5, 0, &data, &size) && size == 3 &&
          static_cast<guint8*>(data)[0] == 0 && static_cast<guint8*>(data)[2] == 0)
        with++;
      gst_rtp_buffer_unmap(&rtp);
    }
    gst_sample_unref(sample);
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  EXPECT_GT(packets, 5);
  EXPECT_EQ(with, packets);
  gst_object_unref(sink);
  gst_object_unref(pay);
  gst_object_unref(pipeline);
}
