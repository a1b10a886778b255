/* The element's settings as properties: the typed choices gst-inspect
 * lists, and secrets that never read back. */
#include <gtest/gtest.h>

#include <gst/webrtc/webrtc.h>

#include "nvcftest.h"

namespace {

class Settings : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { nvcftest::init(); }
  void SetUp() override { sink_ = gst_element_factory_make("nvcfwebrtcsink", nullptr); }
  void TearDown() override { gst_object_unref(sink_); }
  /* The nicks an enum property offers. */
  std::vector<std::string> choices(const char* name) {
    GParamSpec* p = g_object_class_find_property(G_OBJECT_GET_CLASS(sink_), name);
    EXPECT_TRUE(p && G_IS_PARAM_SPEC_ENUM(p)) << name << " is not an enum property";
    std::vector<std::string> out;
    if (!p || !G_IS_PARAM_SPEC_ENUM(p))
      return out;
    GEnumClass* k = G_PARAM_SPEC_ENUM(p)->enum_class;
    for (guint i = 0; i < k->n_values; i++)
      out.push_back(k->values[i].value_nick);
    return out;
  }
  std::string nick(const char* name) {
    GValue v = G_VALUE_INIT;
    GParamSpec* p = g_object_class_find_property(G_OBJECT_GET_CLASS(sink_), name);
    g_value_init(&v, p->value_type);
    g_object_get_property(G_OBJECT(sink_), name, &v);
    GEnumValue* e = g_enum_get_value(G_PARAM_SPEC_ENUM(p)->enum_class, g_value_get_enum(&v));
    std::string out = e ? e->value_nick : "";
    g_value_unset(&v);
    return out;
  }
  GstElement* sink_ = nullptr;
};

}  // namespace

TEST_F(Settings, ChoicesAreEnums) {
  EXPECT_EQ(choices("creds-use"), std::vector<std::string>({"stun", "turn", "both"}));
  EXPECT_EQ(choices("session-policy"), std::vector<std::string>({"reuse", "exit"}));
  EXPECT_EQ(choices("ice-transport-policy"), std::vector<std::string>({"all", "relay"}));
  GParamSpec* p = g_object_class_find_property(G_OBJECT_GET_CLASS(sink_), "ice-transport-policy");
  EXPECT_EQ(p->value_type, GST_TYPE_WEBRTC_ICE_TRANSPORT_POLICY);
  EXPECT_EQ(nick("creds-use"), "both");
  EXPECT_EQ(nick("session-policy"), "reuse");
  EXPECT_EQ(nick("ice-transport-policy"), "all");
}

/* As gst-launch-1.0 and pipeline files set them: by nick. */
TEST_F(Settings, SetByNick) {
  gst_util_set_object_arg(G_OBJECT(sink_), "creds-use", "turn");
  gst_util_set_object_arg(G_OBJECT(sink_), "session-policy", "exit");
  gst_util_set_object_arg(G_OBJECT(sink_), "ice-transport-policy", "relay");
  EXPECT_EQ(nick("creds-use"), "turn");
  EXPECT_EQ(nick("session-policy"), "exit");
  EXPECT_EQ(nick("ice-transport-policy"), "relay");
  /* A lone element: gst_parse_launch returns it, not a pipeline. */
  GError* error = nullptr;
  GstElement* e = gst_parse_launch("nvcfwebrtcsink creds-use=stun session-policy=exit", &error);
  ASSERT_TRUE(e) << (error ? error->message : "");
  g_clear_error(&error);
  gint use = -1, policy = -1;
  g_object_get(e, "creds-use", &use, "session-policy", &policy, NULL);
  EXPECT_EQ(use, 0);
  EXPECT_EQ(policy, 1);
  gst_object_unref(e);
}

/* NVCF_SESSION_POLICY still gives the default, now as the enum. */
TEST_F(Settings, SessionPolicyFromEnvironment) {
  g_setenv("NVCF_SESSION_POLICY", "exit", TRUE);
  GstElement* e = gst_element_factory_make("nvcfwebrtcsink", nullptr);
  g_unsetenv("NVCF_SESSION_POLICY");
  gint policy = -1;
  g_object_get(e, "session-policy", &policy, NULL);
  EXPECT_EQ(policy, 1);
  gst_object_unref(e);
}

/* The explicit TURN server reads back without its password, so
 * gst-launch-1.0 -v and dot dumps cannot show it. */
TEST_F(Settings, TurnServerReadsBackRedacted) {
  g_object_set(sink_, "turn-server", "turn://user:s3cr3t@127.0.0.1:3478", NULL);
  gchar* v = nullptr;
  g_object_get(sink_, "turn-server", &v, NULL);
  EXPECT_STREQ(v, "turn://user:***@127.0.0.1:3478");
  g_free(v);
  GstElement* pipeline = gst_pipeline_new(nullptr);
  gst_bin_add(GST_BIN(pipeline), GST_ELEMENT(gst_object_ref(sink_)));
  gchar* dot = gst_debug_bin_to_dot_data(GST_BIN(pipeline), GST_DEBUG_GRAPH_SHOW_ALL);
  EXPECT_EQ(std::string(dot).find("s3cr3t"), std::string::npos);
  g_free(dot);
  gst_object_unref(pipeline);
}
