/* The TURN password never reaches a log: GStreamer debug at level 9 (all
 * categories) and GLib messages are captured while credentials are posted,
 * accepted and refused. */
#include <gtest/gtest.h>

#include <mutex>

#include "nvcftest.h"
#include "nvcfsecrets.h"

namespace {

std::recursive_mutex log_lock;  // formatting a message may log again
std::string captured;

void capture_gst(GstDebugCategory*, GstDebugLevel, const gchar* file, const gchar* function, gint,
                 GObject*, GstDebugMessage* message, gpointer) {
  std::lock_guard<std::recursive_mutex> lock(log_lock);
  captured += file;
  captured += function;
  captured += gst_debug_message_get(message);
  captured += '\n';
}

GLogWriterOutput capture_glib(GLogLevelFlags, const GLogField* fields, gsize n, gpointer) {
  std::lock_guard<std::recursive_mutex> lock(log_lock);
  for (gsize i = 0; i < n; i++)
    if (fields[i].length < 0)
      captured += static_cast<const char*>(fields[i].value);
  captured += '\n';
  return G_LOG_WRITER_HANDLED;
}

/* '+' and '/' are percent-encoded in a TURN URI: both forms are searched. */
const std::string kPassword = nvcftest::secrets::kPostedPassword;
const std::string kPasswordEncoded = nvcf::percent_encode(kPassword);

}  // namespace

TEST(Secrets, PasswordNeverLogged) {
  g_setenv("G_MESSAGES_DEBUG", "all", TRUE);
  g_log_set_writer_func(capture_glib, nullptr, nullptr);
  nvcftest::init();
  gst_debug_remove_log_function(gst_debug_log_default);
  gst_debug_add_log_function(capture_gst, nullptr, nullptr);
  gst_debug_set_threshold_from_string("*:9", TRUE);
  gst_debug_set_active(TRUE);

  {
    nvcftest::Streamer s;
    ASSERT_TRUE(s.set_state(GST_STATE_PLAYING));
    unsigned port = s.control_port();
    std::string good =
        std::string(R"({"stunIp":"127.0.0.1","stunPort":3478,"username":"turnuser","password":")") +
        kPassword + "\"}";
    EXPECT_EQ(nvcftest::http(port, "POST", "/v1/streaming/creds", "application/json", good).status,
              200u);
    std::string bad =
        std::string(R"({"stunIp":"127.0.0.1","stunPort":0,"username":"u","password":")") +
        kPassword + "\"}";
    EXPECT_EQ(nvcftest::http(port, "POST", "/v1/streaming/creds", "application/json", bad).status,
              400u);
    std::string wrong_type = std::string(R"({"password":")") + kPassword + "\"}";
    EXPECT_EQ(nvcftest::http(port, "POST", "/v1/streaming/creds", "text/plain", wrong_type).status,
              415u);
    ASSERT_TRUE(s.set_state(GST_STATE_NULL));
  }

  gst_debug_set_default_threshold(GST_LEVEL_NONE);
  std::lock_guard<std::recursive_mutex> lock(log_lock);
  /* The capture works: our own log lines are there... */
  EXPECT_NE(captured.find("credentials set for 127.0.0.1:3478"), std::string::npos);
  EXPECT_GT(captured.size(), 10000u);
  /* ...and the secret, raw or percent-encoded, is not. */
  EXPECT_EQ(captured.find(kPassword), std::string::npos);
  EXPECT_EQ(captured.find(kPasswordEncoded), std::string::npos);
}
