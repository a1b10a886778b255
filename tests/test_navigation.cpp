/* Data-channel input to GStreamer events (gstnvcfnavigation.h): every
 * navigation event type read back with gst_navigation_event_parse_*(), custom
 * upstream structures, and refusals that make GStreamer print nothing. */
#include "gstnvcfnavigation.h"

#include <gst/video/navigation.h>
#include <gst/video/video-enumtypes.h>
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <set>
#include <string>

namespace {

/* Criticals and warnings from GLib and GStreamer (g_return_if_fail() and
 * friends), counted rather than printed only, so tests can assert none. */
int g_log_complaints = 0;
bool g_log_print = true;  // off where a critical is provoked on purpose

void count_complaints(const gchar* domain, GLogLevelFlags level, const gchar* message,
                      gpointer data) {
  if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    g_log_complaints++;
  if (g_log_print)
    g_log_default_handler(domain, level, message, data);
}

class GstEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    gst_init(nullptr, nullptr);
    g_log_set_default_handler(count_complaints, nullptr);
  }
};

const auto* const gst_environment = ::testing::AddGlobalTestEnvironment(new GstEnvironment);

class Navigation : public ::testing::Test {
 protected:
  void SetUp() override { g_log_complaints = 0; }
  void TearDown() override { EXPECT_EQ(g_log_complaints, 0) << "GLib criticals or warnings"; }
};

using EventPtr = std::unique_ptr<GstEvent, decltype(&gst_event_unref)>;
using Type = nvcf::NavigationEvent::Type;

EventPtr make(const nvcf::NavigationEvent& ev) {
  return EventPtr(gst_nvcf_navigation_event_new(ev), gst_event_unref);
}

nvcf::NavigationEvent event(Type type, double x = 0, double y = 0) {
  nvcf::NavigationEvent ev;
  ev.type = type;
  ev.x = x;
  ev.y = y;
  return ev;
}

/* Checks what every navigation event shares, returns its modifier state. */
GstNavigationModifierType check_common(GstEvent* e, GstNavigationEventType expected) {
  EXPECT_NE(e, nullptr);
  if (!e)
    return GST_NAVIGATION_MODIFIER_NONE;
  EXPECT_EQ(GST_EVENT_TYPE(e), GST_EVENT_NAVIGATION);
  EXPECT_TRUE(GST_EVENT_IS_UPSTREAM(e));
  EXPECT_EQ(gst_navigation_event_get_type(e), expected);
  GstNavigationModifierType state = GST_NAVIGATION_MODIFIER_NONE;
  EXPECT_TRUE(gst_navigation_event_parse_modifier_state(e, &state));
  return state;
}

}  // namespace

TEST_F(Navigation, MouseMove) {
  nvcf::NavigationEvent ev = event(Type::MouseMove, 12.5, 7);
  ev.modifier_state = nvcf::kModifierShiftMask | nvcf::kModifierControlMask;
  EventPtr e = make(ev);
  EXPECT_EQ(check_common(e.get(), GST_NAVIGATION_EVENT_MOUSE_MOVE),
            GST_NAVIGATION_MODIFIER_SHIFT_MASK | GST_NAVIGATION_MODIFIER_CONTROL_MASK);
  gdouble x = 0, y = 0;
  ASSERT_TRUE(gst_navigation_event_parse_mouse_move_event(e.get(), &x, &y));
  EXPECT_DOUBLE_EQ(x, 12.5);
  EXPECT_DOUBLE_EQ(y, 7.0);
}

TEST_F(Navigation, MouseButtons) {
  const std::pair<Type, GstNavigationEventType> kinds[] = {
      {Type::MouseButtonPress, GST_NAVIGATION_EVENT_MOUSE_BUTTON_PRESS},
      {Type::MouseButtonRelease, GST_NAVIGATION_EVENT_MOUSE_BUTTON_RELEASE},
  };
  for (const auto& [type, expected] : kinds) {
    nvcf::NavigationEvent ev = event(type, 3, 4);
    ev.button = 3;
    ev.modifier_state = nvcf::kModifierButton3Mask;
    EventPtr e = make(ev);
    EXPECT_EQ(check_common(e.get(), expected), GST_NAVIGATION_MODIFIER_BUTTON3_MASK);
    gint button = 0;
    gdouble x = 0, y = 0;
    ASSERT_TRUE(gst_navigation_event_parse_mouse_button_event(e.get(), &button, &x, &y));
    EXPECT_EQ(button, 3);  // as received: the browser sends DOM button + 1
    EXPECT_DOUBLE_EQ(x, 3.0);
    EXPECT_DOUBLE_EQ(y, 4.0);
  }
}

TEST_F(Navigation, MouseScroll) {
  nvcf::NavigationEvent ev = event(Type::MouseScroll, 10, 20);
  ev.delta_x = -1.5;
  ev.delta_y = 3;
  EventPtr e = make(ev);
  EXPECT_EQ(check_common(e.get(), GST_NAVIGATION_EVENT_MOUSE_SCROLL), GST_NAVIGATION_MODIFIER_NONE);
  gdouble x = 0, y = 0, dx = 0, dy = 0;
  ASSERT_TRUE(gst_navigation_event_parse_mouse_scroll_event(e.get(), &x, &y, &dx, &dy));
  EXPECT_DOUBLE_EQ(x, 10.0);
  EXPECT_DOUBLE_EQ(y, 20.0);
  EXPECT_DOUBLE_EQ(dx, -1.5);
  EXPECT_DOUBLE_EQ(dy, 3.0);
}

TEST_F(Navigation, Keys) {
  const std::pair<Type, GstNavigationEventType> kinds[] = {
      {Type::KeyPress, GST_NAVIGATION_EVENT_KEY_PRESS},
      {Type::KeyRelease, GST_NAVIGATION_EVENT_KEY_RELEASE},
  };
  for (const auto& [type, expected] : kinds) {
    nvcf::NavigationEvent ev = event(type);
    ev.key = "Return";
    ev.modifier_state = nvcf::kModifierMod1Mask | nvcf::kModifierMetaMask;
    EventPtr e = make(ev);
    EXPECT_EQ(check_common(e.get(), expected),
              GST_NAVIGATION_MODIFIER_MOD1_MASK | GST_NAVIGATION_MODIFIER_META_MASK);
    const gchar* key = nullptr;
    ASSERT_TRUE(gst_navigation_event_parse_key_event(e.get(), &key));
    EXPECT_STREQ(key, "Return");
  }
}

TEST_F(Navigation, TouchDownAndMotion) {
  const std::pair<Type, GstNavigationEventType> kinds[] = {
      {Type::TouchDown, GST_NAVIGATION_EVENT_TOUCH_DOWN},
      {Type::TouchMotion, GST_NAVIGATION_EVENT_TOUCH_MOTION},
  };
  for (const auto& [type, expected] : kinds) {
    nvcf::NavigationEvent ev = event(type, 5, 6);
    ev.identifier = 42;
    ev.pressure = 0.75;
    EventPtr e = make(ev);
    check_common(e.get(), expected);
    guint id = 0;
    gdouble x = 0, y = 0, pressure = 0;
    ASSERT_TRUE(gst_navigation_event_parse_touch_event(e.get(), &id, &x, &y, &pressure));
    EXPECT_EQ(id, 42u);
    EXPECT_DOUBLE_EQ(x, 5.0);
    EXPECT_DOUBLE_EQ(y, 6.0);
    EXPECT_DOUBLE_EQ(pressure, 0.75);
  }
}

TEST_F(Navigation, TouchUnknownPressureStaysNaN) {
  nvcf::InputParse p =
      nvcf::parse_input_message(R"({"event":"TouchDown","identifier":1,"x":1,"y":2})");
  ASSERT_TRUE(p.event) << p.error;
  EventPtr e = make(*p.event);
  guint id = 0;
  gdouble x = 0, y = 0, pressure = 0;
  ASSERT_TRUE(gst_navigation_event_parse_touch_event(e.get(), &id, &x, &y, &pressure));
  EXPECT_TRUE(std::isnan(pressure));
}

TEST_F(Navigation, TouchUp) {
  nvcf::NavigationEvent ev = event(Type::TouchUp, 7.5, 8.5);
  ev.identifier = 9;
  EventPtr e = make(ev);
  check_common(e.get(), GST_NAVIGATION_EVENT_TOUCH_UP);
  guint id = 0;
  gdouble x = 0, y = 0;
  ASSERT_TRUE(gst_navigation_event_parse_touch_up_event(e.get(), &id, &x, &y));
  EXPECT_EQ(id, 9u);
  EXPECT_DOUBLE_EQ(x, 7.5);
  EXPECT_DOUBLE_EQ(y, 8.5);
}

TEST_F(Navigation, TouchFrameAndCancel) {
  nvcf::NavigationEvent frame = event(Type::TouchFrame);
  frame.modifier_state = nvcf::kModifierSuperMask;
  EXPECT_EQ(check_common(make(frame).get(), GST_NAVIGATION_EVENT_TOUCH_FRAME),
            GST_NAVIGATION_MODIFIER_SUPER_MASK);
  nvcf::NavigationEvent cancel = event(Type::TouchCancel);
  cancel.modifier_state = nvcf::kModifierHyperMask;
  EXPECT_EQ(check_common(make(cancel).get(), GST_NAVIGATION_EVENT_TOUCH_CANCEL),
            GST_NAVIGATION_MODIFIER_HYPER_MASK);
}

TEST_F(Navigation, UnknownModifierBitsAreDropped) {
  nvcf::NavigationEvent ev = event(Type::MouseMove);
  ev.modifier_state = 0xffffffffu;
  EXPECT_EQ(check_common(make(ev).get(), GST_NAVIGATION_EVENT_MOUSE_MOVE),
            GST_NAVIGATION_MODIFIER_MASK);
}

TEST_F(Navigation, CoreNicksAreGStreamers) {
  // Every GstNavigationModifierType nick (but the all-bits "mask") parses to its value.
  GFlagsClass* flags = G_FLAGS_CLASS(g_type_class_ref(GST_TYPE_NAVIGATION_MODIFIER_TYPE));
  std::set<std::string> checked;  // 1.22 lists meta-mask twice
  for (guint i = 0; i < flags->n_values; i++) {
    const GFlagsValue& v = flags->values[i];
    if (v.value == GST_NAVIGATION_MODIFIER_MASK)
      continue;
    std::string error;
    EXPECT_EQ(nvcf::parse_modifier_state(v.value_nick, &error), std::optional<unsigned>(v.value))
        << v.value_nick << ": " << error;
    checked.insert(v.value_nick);
  }
  g_type_class_unref(flags);
  EXPECT_EQ(checked.size(), 17u);  // 16 masks and "none"
}

TEST_F(Navigation, FromAControlMessage) {
  nvcf::ControlParse p = nvcf::parse_control_message(
      R"({"id":1,"request":{"type":"navigationEvent","event":{"event":"MouseButtonPress","x":640,"y":360,"button":1,"modifier_state":"shift-mask"}}})");
  ASSERT_TRUE(p.request) << p.error;
  EventPtr e = make(p.request->navigation);
  EXPECT_EQ(check_common(e.get(), GST_NAVIGATION_EVENT_MOUSE_BUTTON_PRESS),
            GST_NAVIGATION_MODIFIER_SHIFT_MASK);
  gint button = 0;
  gdouble x = 0, y = 0;
  ASSERT_TRUE(gst_navigation_event_parse_mouse_button_event(e.get(), &button, &x, &y));
  EXPECT_EQ(button, 1);
  EXPECT_DOUBLE_EQ(x, 640.0);
  EXPECT_DOUBLE_EQ(y, 360.0);
}

/* ---- custom upstream events ---- */

TEST_F(Navigation, CustomUpstreamFields) {
  std::string error;
  EventPtr e(
      gst_nvcf_custom_upstream_event_new(
          "my-app/event.v1",
          R"({"s":"héllo","i":-4,"big":5000000000,"d":0.25,"b":true,"o":{"k":[1,2]},"a":[1,"x"]})",
          &error),
      gst_event_unref);
  ASSERT_NE(e, nullptr) << error;
  EXPECT_TRUE(error.empty());
  EXPECT_EQ(GST_EVENT_TYPE(e.get()), GST_EVENT_CUSTOM_UPSTREAM);
  EXPECT_TRUE(GST_EVENT_IS_UPSTREAM(e.get()));
  const GstStructure* s = gst_event_get_structure(e.get());
  ASSERT_NE(s, nullptr);
  EXPECT_STREQ(gst_structure_get_name(s), "my-app/event.v1");
  EXPECT_EQ(gst_structure_n_fields(s), 7);

  EXPECT_STREQ(gst_structure_get_string(s, "s"), "héllo");
  gint i = 0;
  EXPECT_TRUE(gst_structure_get_int(s, "i", &i));
  EXPECT_EQ(i, -4);
  gint64 big = 0;
  EXPECT_TRUE(gst_structure_get_int64(s, "big", &big));
  EXPECT_EQ(big, 5000000000);
  gdouble d = 0;
  EXPECT_TRUE(gst_structure_get_double(s, "d", &d));
  EXPECT_DOUBLE_EQ(d, 0.25);
  gboolean b = FALSE;
  EXPECT_TRUE(gst_structure_get_boolean(s, "b", &b));
  EXPECT_TRUE(b);
  EXPECT_STREQ(gst_structure_get_string(s, "o"), R"({"k":[1,2]})");
  EXPECT_STREQ(gst_structure_get_string(s, "a"), R"([1,"x"])");
}

TEST_F(Navigation, CustomUpstreamFromAControlMessage) {
  nvcf::ControlParse p = nvcf::parse_control_message(
      R"({"id":2,"request":{"type":"customUpstreamEvent","structureName":"ping","structure":{}}})");
  ASSERT_TRUE(p.request) << p.error;
  std::string error;
  EventPtr e(gst_nvcf_custom_upstream_event_new(p.request->structure_name,
                                                p.request->structure_json, &error),
             gst_event_unref);
  ASSERT_NE(e, nullptr) << error;
  EXPECT_TRUE(gst_event_has_name(e.get(), "ping"));
  EXPECT_EQ(gst_structure_n_fields(gst_event_get_structure(e.get())), 0);
}

TEST_F(Navigation, CustomUpstreamBadNames) {
  const std::string names[] = {"",
                               "1abc",
                               "-abc",
                               "has space",
                               "a,b=1",
                               "tab\t",
                               "video/x-raw-yuv",
                               "audio/x-raw-int",
                               "é-event",
                               std::string("nul\0byte", 8)};
  for (const std::string& name : names) {
    std::string error;
    GstEvent* e = gst_nvcf_custom_upstream_event_new(name, "{}", &error);
    EXPECT_EQ(e, nullptr) << name;
    if (e)
      gst_event_unref(e);
    EXPECT_NE(error.find("invalid structure name"), std::string::npos) << name << ": " << error;
  }
}

TEST_F(Navigation, CustomUpstreamBadJson) {
  const char* bad[] = {"", "not json", "[1,2]", "3", R"({"a":null})", R"({"ok":1,"a":null})"};
  for (const char* json : bad) {
    std::string error;
    GstEvent* e = gst_nvcf_custom_upstream_event_new("my-event", json, &error);
    EXPECT_EQ(e, nullptr) << json;
    if (e)
      gst_event_unref(e);
    EXPECT_FALSE(error.empty()) << json;
  }
  std::string error;
  EXPECT_EQ(gst_nvcf_custom_upstream_event_new("my-event", R"({"a":null})", &error), nullptr);
  EXPECT_NE(error.find("\"a\" is null"), std::string::npos) << error;
  // No error string wanted: still refused, quietly.
  EXPECT_EQ(gst_nvcf_custom_upstream_event_new("bad name", "{}", nullptr), nullptr);
}

TEST_F(Navigation, CustomUpstreamInvalidUtf8) {
  // Strings GstStructure would refuse with a g_warning() never get that far.
  const char* bad[] = {"{\"s\":\"a\xff\"}", R"({"s":"\ud800"})", "{\"\xff\":1}"};
  for (const char* json : bad) {
    std::string error;
    EXPECT_EQ(gst_nvcf_custom_upstream_event_new("my-event", json, &error), nullptr) << json;
    EXPECT_NE(error.find("invalid structure JSON"), std::string::npos) << error;
  }
}

/* The counter does see GStreamer's criticals, so the zero counts above mean something. */
TEST(NavigationLogCheck, CountsCriticals) {
  g_log_complaints = 0;
  g_log_print = false;
  GstStructure* s = gst_structure_new_empty("1bad");
  g_log_print = true;
  EXPECT_EQ(s, nullptr);
  EXPECT_EQ(g_log_complaints, 1);
}
