/* Data-channel input core (core/input.h): both channels' schemas, every event
 * type, modifier masks, and each way a message is refused. */
#include "input.h"

#include <gtest/gtest.h>
#include <json-glib/json-glib.h>

#include "nvcfjson.h"

#include <cmath>
#include <memory>

using nvcf::ControlParse;
using nvcf::ControlRequest;
using nvcf::InputParse;
using nvcf::NavigationEvent;
using Type = nvcf::NavigationEvent::Type;

using nvcftest::Json;

namespace {

NavigationEvent input_ok(const std::string& text) {
  InputParse p = nvcf::parse_input_message(text);
  EXPECT_TRUE(p.error.empty()) << text << " -> " << p.error;
  EXPECT_TRUE(p.event.has_value()) << text;
  return p.event.value_or(NavigationEvent{});
}

std::string input_error(const std::string& text) {
  InputParse p = nvcf::parse_input_message(text);
  EXPECT_FALSE(p.event.has_value()) << text;
  EXPECT_FALSE(p.error.empty()) << text;
  return p.error;
}

ControlRequest control_ok(const std::string& text) {
  ControlParse p = nvcf::parse_control_message(text);
  EXPECT_TRUE(p.error.empty()) << text << " -> " << p.error;
  EXPECT_TRUE(p.request.has_value()) << text;
  return p.request.value_or(ControlRequest{});
}

ControlParse control_error(const std::string& text) {
  ControlParse p = nvcf::parse_control_message(text);
  EXPECT_FALSE(p.request.has_value()) << text;
  EXPECT_FALSE(p.error.empty()) << text;
  return p;
}

std::string navigation_request(const std::string& event) {
  return R"({"id":1,"mid":null,"request":{"type":"navigationEvent","event":)" + event + "}}";
}

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << (haystack)

}  // namespace

/* ---- events, on the "input" channel ---- */

TEST(InputEvents, MouseMove) {
  NavigationEvent ev = input_ok(R"({"event":"MouseMove","x":12.5,"y":7,"modifier_state":""})");
  EXPECT_EQ(ev.type, Type::MouseMove);
  EXPECT_DOUBLE_EQ(ev.x, 12.5);
  EXPECT_DOUBLE_EQ(ev.y, 7.0);  // JSON integers are numbers too
  EXPECT_EQ(ev.modifier_state, 0u);
  EXPECT_FALSE(ev.mid.has_value());
}

TEST(InputEvents, MouseButtons) {
  NavigationEvent press = input_ok(
      R"({"event":"MouseButtonPress","x":1,"y":2,"button":1,"modifier_state":"button1-mask"})");
  EXPECT_EQ(press.type, Type::MouseButtonPress);
  EXPECT_EQ(press.button, 1);
  EXPECT_DOUBLE_EQ(press.x, 1.0);
  EXPECT_DOUBLE_EQ(press.y, 2.0);
  EXPECT_EQ(press.modifier_state, nvcf::kModifierButton1Mask);

  NavigationEvent release =
      input_ok(R"({"event":"MouseButtonRelease","x":3.25,"y":4.75,"button":3})");
  EXPECT_EQ(release.type, Type::MouseButtonRelease);
  EXPECT_EQ(release.button, 3);
  EXPECT_DOUBLE_EQ(release.x, 3.25);
  EXPECT_DOUBLE_EQ(release.y, 4.75);
}

TEST(InputEvents, MouseScroll) {
  NavigationEvent ev = input_ok(
      R"({"event":"MouseScroll","x":10,"y":20,"delta_x":-1.5,"delta_y":3,"modifier_state":"control-mask"})");
  EXPECT_EQ(ev.type, Type::MouseScroll);
  EXPECT_DOUBLE_EQ(ev.x, 10.0);
  EXPECT_DOUBLE_EQ(ev.y, 20.0);
  EXPECT_DOUBLE_EQ(ev.delta_x, -1.5);
  EXPECT_DOUBLE_EQ(ev.delta_y, 3.0);
  EXPECT_EQ(ev.modifier_state, nvcf::kModifierControlMask);
}

TEST(InputEvents, Keys) {
  NavigationEvent press =
      input_ok(R"({"event":"KeyPress","key":"Return","modifier_state":"shift-mask"})");
  EXPECT_EQ(press.type, Type::KeyPress);
  EXPECT_EQ(press.key, "Return");
  EXPECT_EQ(press.modifier_state, nvcf::kModifierShiftMask);

  NavigationEvent release = input_ok(R"({"event":"KeyRelease","key":"a"})");
  EXPECT_EQ(release.type, Type::KeyRelease);
  EXPECT_EQ(release.key, "a");
}

TEST(InputEvents, TouchDownAndMotion) {
  NavigationEvent down = input_ok(
      R"({"event":"TouchDown","identifier":3,"x":5,"y":6,"pressure":0.5,"modifier_state":""})");
  EXPECT_EQ(down.type, Type::TouchDown);
  EXPECT_EQ(down.identifier, 3u);
  EXPECT_DOUBLE_EQ(down.x, 5.0);
  EXPECT_DOUBLE_EQ(down.y, 6.0);
  EXPECT_DOUBLE_EQ(down.pressure, 0.5);

  NavigationEvent motion =
      input_ok(R"({"event":"TouchMotion","identifier":4294967295,"x":7,"y":8,"pressure":1})");
  EXPECT_EQ(motion.type, Type::TouchMotion);
  EXPECT_EQ(motion.identifier, 4294967295u);
  EXPECT_DOUBLE_EQ(motion.pressure, 1.0);
}

TEST(InputEvents, TouchPressureAbsentIsUnknown) {
  // gstwebrtc-api leaves "pressure" out when the browser has no force data.
  NavigationEvent ev = input_ok(R"({"event":"TouchDown","identifier":0,"x":1,"y":2})");
  EXPECT_TRUE(std::isnan(ev.pressure));
  NavigationEvent null_pressure =
      input_ok(R"({"event":"TouchMotion","identifier":0,"x":1,"y":2,"pressure":null})");
  EXPECT_TRUE(std::isnan(null_pressure.pressure));
}

TEST(InputEvents, TouchUpFrameCancel) {
  NavigationEvent up = input_ok(R"({"event":"TouchUp","identifier":9,"x":1.5,"y":2.5})");
  EXPECT_EQ(up.type, Type::TouchUp);
  EXPECT_EQ(up.identifier, 9u);
  EXPECT_DOUBLE_EQ(up.x, 1.5);
  EXPECT_DOUBLE_EQ(up.y, 2.5);

  NavigationEvent frame = input_ok(R"({"event":"TouchFrame","modifier_state":"mod1-mask"})");
  EXPECT_EQ(frame.type, Type::TouchFrame);
  EXPECT_EQ(frame.modifier_state, nvcf::kModifierMod1Mask);

  EXPECT_EQ(input_ok(R"({"event":"TouchCancel"})").type, Type::TouchCancel);
}

TEST(InputEvents, UnknownMembersAreIgnored) {
  NavigationEvent ev = input_ok(R"({"event":"MouseMove","x":1,"y":2,"extra":[1,{"a":2}]})");
  EXPECT_EQ(ev.type, Type::MouseMove);
}

TEST(InputEvents, ModifierStateAbsentOrNullIsNone) {
  EXPECT_EQ(input_ok(R"({"event":"MouseMove","x":1,"y":2})").modifier_state, 0u);
  EXPECT_EQ(input_ok(R"({"event":"MouseMove","x":1,"y":2,"modifier_state":null})").modifier_state,
            0u);
}

TEST(InputEvents, Mid) {
  EXPECT_EQ(input_ok(R"({"event":"MouseMove","x":1,"y":2,"mid":"video0"})").mid,
            std::optional<std::string>("video0"));
  EXPECT_FALSE(input_ok(R"({"event":"MouseMove","x":1,"y":2,"mid":null})").mid.has_value());
  EXPECT_CONTAINS(input_error(R"({"event":"MouseMove","x":1,"y":2,"mid":0})"),
                  "\"mid\" must be a string");
}

TEST(InputEvents, EventNames) {
  const Type all[] = {Type::MouseMove,   Type::MouseButtonPress, Type::MouseButtonRelease,
                      Type::MouseScroll, Type::KeyPress,         Type::KeyRelease,
                      Type::TouchDown,   Type::TouchMotion,      Type::TouchUp,
                      Type::TouchFrame,  Type::TouchCancel};
  const char* names[] = {"MouseMove", "MouseButtonPress", "MouseButtonRelease", "MouseScroll",
                         "KeyPress",  "KeyRelease",       "TouchDown",          "TouchMotion",
                         "TouchUp",   "TouchFrame",       "TouchCancel"};
  for (size_t i = 0; i < std::size(all); i++) {
    EXPECT_STREQ(nvcf::navigation_event_name(all[i]), names[i]);
  }
}

/* ---- modifiers ---- */

TEST(Modifiers, EachNick) {
  const std::pair<const char*, unsigned> nicks[] = {
      {"shift-mask", nvcf::kModifierShiftMask},     {"lock-mask", nvcf::kModifierLockMask},
      {"control-mask", nvcf::kModifierControlMask}, {"mod1-mask", nvcf::kModifierMod1Mask},
      {"mod2-mask", nvcf::kModifierMod2Mask},       {"mod3-mask", nvcf::kModifierMod3Mask},
      {"mod4-mask", nvcf::kModifierMod4Mask},       {"mod5-mask", nvcf::kModifierMod5Mask},
      {"button1-mask", nvcf::kModifierButton1Mask}, {"button2-mask", nvcf::kModifierButton2Mask},
      {"button3-mask", nvcf::kModifierButton3Mask}, {"button4-mask", nvcf::kModifierButton4Mask},
      {"button5-mask", nvcf::kModifierButton5Mask}, {"super-mask", nvcf::kModifierSuperMask},
      {"hyper-mask", nvcf::kModifierHyperMask},     {"meta-mask", nvcf::kModifierMetaMask},
  };
  unsigned all = 0;
  std::string joined;
  for (const auto& [nick, bit] : nicks) {
    EXPECT_EQ(nvcf::parse_modifier_state(nick), std::optional<unsigned>(bit)) << nick;
    all |= bit;
    joined += (joined.empty() ? "" : "+") + std::string(nick);
  }
  EXPECT_EQ(all, nvcf::kModifierAllMask);
  EXPECT_EQ(nvcf::parse_modifier_state(joined), std::optional<unsigned>(all));
}

TEST(Modifiers, Combinations) {
  EXPECT_EQ(nvcf::parse_modifier_state(""), std::optional<unsigned>(0u));
  EXPECT_EQ(nvcf::parse_modifier_state("none"), std::optional<unsigned>(0u));
  EXPECT_EQ(nvcf::parse_modifier_state("shift-mask+control-mask"),
            std::optional<unsigned>(nvcf::kModifierShiftMask | nvcf::kModifierControlMask));
  // gstwebrtc-api's order: alt, ctrl, meta, shift
  EXPECT_EQ(nvcf::parse_modifier_state("mod1-mask+control-mask+meta-mask+shift-mask"),
            std::optional<unsigned>(nvcf::kModifierMod1Mask | nvcf::kModifierControlMask |
                                    nvcf::kModifierMetaMask | nvcf::kModifierShiftMask));
  EXPECT_EQ(nvcf::parse_modifier_state("shift-mask+shift-mask"),
            std::optional<unsigned>(nvcf::kModifierShiftMask));
}

TEST(Modifiers, Refused) {
  std::string error;
  EXPECT_FALSE(nvcf::parse_modifier_state("alt-mask", &error));
  EXPECT_CONTAINS(error, "unknown modifier \"alt-mask\"");
  EXPECT_FALSE(nvcf::parse_modifier_state("Shift-Mask", &error));  // nicks are lower case
  EXPECT_CONTAINS(error, "unknown modifier");
  EXPECT_FALSE(nvcf::parse_modifier_state("shift-mask+", &error));
  EXPECT_CONTAINS(error, "empty modifier");
  EXPECT_FALSE(nvcf::parse_modifier_state("+shift-mask", &error));
  EXPECT_FALSE(nvcf::parse_modifier_state("shift-mask + control-mask", &error));
  EXPECT_FALSE(nvcf::parse_modifier_state(std::string_view("shift-mask\0", 11)));
}

TEST(Modifiers, InEvents) {
  EXPECT_CONTAINS(input_error(R"({"event":"MouseMove","x":1,"y":2,"modifier_state":"bogus"})"),
                  "MouseMove: unknown modifier \"bogus\"");
  EXPECT_CONTAINS(input_error(R"({"event":"MouseMove","x":1,"y":2,"modifier_state":4})"),
                  "\"modifier_state\" must be a string");
}

/* ---- event errors (same code for both channels) ---- */

TEST(InputErrors, Json) {
  EXPECT_CONTAINS(input_error("{\"event\":"), "not valid JSON");
  EXPECT_CONTAINS(input_error(""), "empty");
  EXPECT_CONTAINS(input_error("   "), "empty");
  EXPECT_CONTAINS(input_error("[1,2]"), "not a JSON object");
  EXPECT_CONTAINS(input_error("42"), "not a JSON object");
  EXPECT_CONTAINS(input_error("\"MouseMove\""), "not a JSON object");
  EXPECT_CONTAINS(input_error(std::string("{\"event\":\"TouchFrame\"}\0junk", 27)), "NUL");
  EXPECT_CONTAINS(input_error("{\"event\":\"KeyPress\",\"key\":\"\xff\"}"), "not valid JSON");
}

TEST(InputErrors, EventName) {
  EXPECT_CONTAINS(input_error(R"({"x":1,"y":2})"), "missing \"event\"");
  EXPECT_CONTAINS(input_error(R"({"event":5})"), "\"event\" must be a string");
  EXPECT_CONTAINS(input_error(R"({"event":null})"), "\"event\" must be a string");
  EXPECT_CONTAINS(input_error(R"({"event":"MouseWarp","x":1,"y":2})"),
                  "unknown event \"MouseWarp\"");
  EXPECT_CONTAINS(input_error(R"({"event":"Command","command":"menu1"})"), "unknown event");
  EXPECT_CONTAINS(input_error(R"({"event":"mousemove","x":1,"y":2})"), "unknown event");
}

TEST(InputErrors, Coordinates) {
  EXPECT_CONTAINS(input_error(R"({"event":"MouseMove","y":2})"), "MouseMove: missing \"x\"");
  EXPECT_CONTAINS(input_error(R"({"event":"MouseMove","x":2})"), "MouseMove: missing \"y\"");
  EXPECT_CONTAINS(input_error(R"({"event":"MouseMove","x":"1","y":2})"),
                  "MouseMove: \"x\" must be a number");
  EXPECT_CONTAINS(input_error(R"({"event":"MouseMove","x":1,"y":true})"), "\"y\" must be a number");
  EXPECT_CONTAINS(input_error(R"({"event":"MouseMove","x":null,"y":1})"), "\"x\" must be a number");
  EXPECT_CONTAINS(input_error(R"({"event":"MouseMove","x":[1],"y":1})"), "\"x\" must be a number");
  EXPECT_CONTAINS(input_error(R"({"event":"TouchUp","identifier":1,"x":1})"),
                  "TouchUp: missing \"y\"");
  EXPECT_CONTAINS(input_error(R"({"event":"MouseScroll","x":1,"y":1,"delta_x":1})"),
                  "missing \"delta_y\"");
  EXPECT_CONTAINS(
      input_error(R"({"event":"TouchDown","identifier":1,"x":1,"y":1,"pressure":"hard"})"),
      "\"pressure\" must be a number");
}

TEST(InputErrors, Button) {
  EXPECT_CONTAINS(input_error(R"({"event":"MouseButtonPress","x":1,"y":2})"),
                  "MouseButtonPress: missing \"button\"");
  EXPECT_CONTAINS(input_error(R"({"event":"MouseButtonRelease","x":1,"y":2,"button":1.5})"),
                  "\"button\" must be an integer");
  EXPECT_CONTAINS(input_error(R"({"event":"MouseButtonRelease","x":1,"y":2,"button":"1"})"),
                  "\"button\" must be an integer");
  EXPECT_CONTAINS(input_error(R"({"event":"MouseButtonPress","x":1,"y":2,"button":4294967296})"),
                  "\"button\" is out of range");
}

TEST(InputErrors, Key) {
  EXPECT_CONTAINS(input_error(R"({"event":"KeyPress"})"), "KeyPress: missing \"key\"");
  EXPECT_CONTAINS(input_error(R"({"event":"KeyRelease","key":65})"), "\"key\" must be a string");
  EXPECT_CONTAINS(input_error(R"({"event":"KeyPress","key":""})"), "\"key\" is empty");
}

TEST(InputErrors, TouchIdentifier) {
  EXPECT_CONTAINS(input_error(R"({"event":"TouchDown","x":1,"y":2})"), "missing \"identifier\"");
  EXPECT_CONTAINS(input_error(R"({"event":"TouchMotion","identifier":-1,"x":1,"y":2})"),
                  "\"identifier\" is out of range");
  EXPECT_CONTAINS(input_error(R"({"event":"TouchUp","identifier":4294967296,"x":1,"y":2})"),
                  "\"identifier\" is out of range");
  EXPECT_CONTAINS(input_error(R"({"event":"TouchUp","identifier":0.5,"x":1,"y":2})"),
                  "\"identifier\" must be an integer");
}

/* ---- the "control" channel ---- */

TEST(Control, NavigationEvent) {
  ControlRequest r = control_ok(navigation_request(
      R"({"event":"MouseMove","x":100,"y":50.5,"modifier_state":"shift-mask+control-mask"})"));
  EXPECT_EQ(r.id, 1);
  EXPECT_EQ(r.kind, ControlRequest::Kind::Navigation);
  EXPECT_FALSE(r.mid.has_value());
  EXPECT_EQ(r.navigation.type, Type::MouseMove);
  EXPECT_DOUBLE_EQ(r.navigation.x, 100.0);
  EXPECT_DOUBLE_EQ(r.navigation.y, 50.5);
  EXPECT_EQ(r.navigation.modifier_state, nvcf::kModifierShiftMask | nvcf::kModifierControlMask);
  EXPECT_FALSE(r.navigation.mid.has_value());
}

TEST(Control, GstWebrtcApiShape) {
  // What gstwebrtc-api's RemoteController sends: no "mid" member at all.
  ControlParse p = nvcf::parse_control_message(
      R"({"id":0,"request":{"type":"navigationEvent","event":{"event":"MouseButtonPress","x":1,"y":2,"modifier_state":"","button":1}}})");
  ASSERT_TRUE(p.request) << p.error;
  EXPECT_EQ(p.id, std::optional<int64_t>(0));
  EXPECT_EQ(p.request_type, "navigationEvent");
  EXPECT_EQ(p.request->id, 0);
  EXPECT_EQ(p.request->navigation.type, Type::MouseButtonPress);
  EXPECT_EQ(p.request->navigation.button, 1);
}

TEST(Control, MidIsCopiedToTheEvent) {
  ControlRequest r = control_ok(
      R"({"id":7,"mid":"video0","request":{"type":"navigationEvent","event":{"event":"KeyPress","key":"space"}}})");
  EXPECT_EQ(r.mid, std::optional<std::string>("video0"));
  EXPECT_EQ(r.navigation.mid, std::optional<std::string>("video0"));
  EXPECT_EQ(r.navigation.key, "space");
}

TEST(Control, RequestWrappedInAString) {
  ControlParse p = nvcf::parse_control_message(
      R"({"id":42,"request":"{\"type\":\"navigationEvent\",\"event\":{\"event\":\"TouchFrame\",\"modifier_state\":\"meta-mask\"}}"})");
  ASSERT_TRUE(p.request) << p.error;
  EXPECT_EQ(p.request_type, "navigationEvent");
  EXPECT_EQ(p.request->id, 42);
  EXPECT_EQ(p.request->navigation.type, Type::TouchFrame);
  EXPECT_EQ(p.request->navigation.modifier_state, nvcf::kModifierMetaMask);
}

TEST(Control, EveryEventType) {
  const char* events[] = {
      R"({"event":"MouseMove","x":1,"y":2})",
      R"({"event":"MouseButtonPress","x":1,"y":2,"button":1})",
      R"({"event":"MouseButtonRelease","x":1,"y":2,"button":2})",
      R"({"event":"MouseScroll","x":1,"y":2,"delta_x":0,"delta_y":-1})",
      R"({"event":"KeyPress","key":"a"})",
      R"({"event":"KeyRelease","key":"a"})",
      R"({"event":"TouchDown","identifier":1,"x":1,"y":2,"pressure":0.1})",
      R"({"event":"TouchMotion","identifier":1,"x":1,"y":2,"pressure":0.2})",
      R"({"event":"TouchUp","identifier":1,"x":1,"y":2})",
      R"({"event":"TouchFrame"})",
      R"({"event":"TouchCancel"})",
  };
  int expected = 0;
  for (const char* event : events) {
    ControlRequest r = control_ok(navigation_request(event));
    EXPECT_EQ(static_cast<int>(r.navigation.type), expected++) << event;
  }
}

TEST(Control, CustomUpstreamEvent) {
  ControlParse p = nvcf::parse_control_message(
      R"({"id":3,"mid":"video0","request":{"type":"customUpstreamEvent","structureName":"my-event","structure":{"s":"x","i":-4,"d":0.25,"b":true,"nested":{"k":[1,2]}}}})");
  ASSERT_TRUE(p.request) << p.error;
  EXPECT_EQ(p.request_type, "customUpstreamEvent");
  const ControlRequest& r = *p.request;
  EXPECT_EQ(r.id, 3);
  EXPECT_EQ(r.kind, ControlRequest::Kind::CustomUpstream);
  EXPECT_EQ(r.mid, std::optional<std::string>("video0"));
  EXPECT_EQ(r.structure_name, "my-event");

  Json fields = Json::parse(r.structure_json);
  ASSERT_NE(fields.object(), nullptr) << r.structure_json;
  EXPECT_STREQ(json_object_get_string_member(fields.object(), "s"), "x");
  EXPECT_EQ(json_object_get_int_member(fields.object(), "i"), -4);
  EXPECT_DOUBLE_EQ(json_object_get_double_member(fields.object(), "d"), 0.25);
  EXPECT_TRUE(json_object_get_boolean_member(fields.object(), "b"));
  JsonObject* nested = json_object_get_object_member(fields.object(), "nested");
  ASSERT_NE(nested, nullptr);
  EXPECT_EQ(json_array_get_length(json_object_get_array_member(nested, "k")), 2u);
}

TEST(Control, CustomUpstreamEmptyStructure) {
  ControlRequest r = control_ok(
      R"({"id":4,"request":{"type":"customUpstreamEvent","structureName":"ping","structure":{}}})");
  EXPECT_EQ(r.structure_name, "ping");
  EXPECT_EQ(r.structure_json, "{}");
}

TEST(ControlErrors, Json) {
  EXPECT_CONTAINS(control_error("{\"id\":1,").error, "not valid JSON");
  EXPECT_CONTAINS(control_error("").error, "empty");
  EXPECT_CONTAINS(control_error("[]").error, "not a JSON object");
  EXPECT_CONTAINS(control_error("null").error, "not a JSON object");
  ControlParse p = control_error("not json at all");
  EXPECT_FALSE(p.id.has_value());
  EXPECT_TRUE(p.request_type.empty());
}

TEST(ControlErrors, Id) {
  ControlParse missing =
      control_error(R"({"request":{"type":"navigationEvent","event":{"event":"TouchFrame"}}})");
  EXPECT_CONTAINS(missing.error, "missing \"id\"");
  EXPECT_FALSE(missing.id.has_value());
  EXPECT_EQ(missing.request_type, "navigationEvent");  // still answerable

  EXPECT_CONTAINS(control_error(R"({"id":"1","request":{"type":"navigationEvent"}})").error,
                  "\"id\" must be an integer");
  EXPECT_CONTAINS(control_error(R"({"id":1.5,"request":{"type":"navigationEvent"}})").error,
                  "\"id\" must be an integer");
  EXPECT_CONTAINS(control_error(R"({"id":null,"request":{"type":"navigationEvent"}})").error,
                  "\"id\" must be an integer");
}

TEST(ControlErrors, Request) {
  ControlParse missing = control_error(R"({"id":5})");
  EXPECT_CONTAINS(missing.error, "missing \"request\"");
  EXPECT_EQ(missing.id, std::optional<int64_t>(5));

  EXPECT_CONTAINS(control_error(R"({"id":5,"request":3})").error,
                  "\"request\" must be an object or a string holding one");
  EXPECT_CONTAINS(control_error(R"({"id":5,"request":"{nope"})").error,
                  "\"request\" is not valid JSON");
  EXPECT_CONTAINS(control_error(R"({"id":5,"request":"[1]"})").error,
                  "\"request\" is not a JSON object");
  EXPECT_CONTAINS(control_error(R"({"id":5,"request":{}})").error, "request: missing \"type\"");
  EXPECT_CONTAINS(control_error(R"({"id":5,"request":{"type":1}})").error,
                  "request: \"type\" must be a string");
}

TEST(ControlErrors, UnknownRequestType) {
  ControlParse p = control_error(R"({"id":6,"request":{"type":"seekEvent","position":0}})");
  EXPECT_CONTAINS(p.error, "unknown request type \"seekEvent\"");
  EXPECT_EQ(p.id, std::optional<int64_t>(6));
  EXPECT_EQ(p.request_type, "seekEvent");
}

TEST(ControlErrors, Mid) {
  ControlParse p = control_error(
      R"({"id":8,"mid":5,"request":{"type":"navigationEvent","event":{"event":"TouchFrame"}}})");
  EXPECT_CONTAINS(p.error, "\"mid\" must be a string");
  EXPECT_EQ(p.id, std::optional<int64_t>(8));
  EXPECT_EQ(p.request_type, "navigationEvent");
}

TEST(ControlErrors, NavigationEvent) {
  EXPECT_CONTAINS(control_error(R"({"id":1,"request":{"type":"navigationEvent"}})").error,
                  "navigationEvent: missing \"event\"");
  EXPECT_CONTAINS(
      control_error(R"({"id":1,"request":{"type":"navigationEvent","event":"MouseMove"}})").error,
      "navigationEvent: \"event\" must be an object");
  EXPECT_CONTAINS(control_error(navigation_request(R"({"x":1,"y":2})")).error, "missing \"event\"");
  EXPECT_CONTAINS(control_error(navigation_request(R"({"event":"Jump"})")).error,
                  "unknown event \"Jump\"");
  EXPECT_CONTAINS(control_error(navigation_request(R"({"event":"MouseMove","x":1})")).error,
                  "MouseMove: missing \"y\"");
  ControlParse p = control_error(navigation_request(R"({"event":"KeyPress","key":true})"));
  EXPECT_CONTAINS(p.error, "\"key\" must be a string");
  EXPECT_EQ(p.id, std::optional<int64_t>(1));
}

TEST(ControlErrors, CustomUpstreamEvent) {
  auto custom = [](const std::string& members) {
    return control_error(R"({"id":2,"request":{"type":"customUpstreamEvent")" + members + "}}")
        .error;
  };
  EXPECT_CONTAINS(custom(R"(,"structure":{})"), "customUpstreamEvent: missing \"structureName\"");
  EXPECT_CONTAINS(custom(R"(,"structureName":7,"structure":{})"),
                  "\"structureName\" must be a string");
  EXPECT_CONTAINS(custom(R"(,"structureName":"","structure":{})"), "\"structureName\" is empty");
  EXPECT_CONTAINS(custom(R"(,"structureName":"x")"), "customUpstreamEvent: missing \"structure\"");
  EXPECT_CONTAINS(custom(R"(,"structureName":"x","structure":[1])"),
                  "\"structure\" must be an object");
  EXPECT_CONTAINS(custom(R"(,"structureName":"x","structure":"{}")"),
                  "\"structure\" must be an object");
}

TEST(ControlErrors, EveryPrefixIsHandled) {
  // A truncated message never crashes or throws: it is either a request or an error.
  const std::string full = navigation_request(
      R"({"event":"MouseScroll","x":1,"y":2,"delta_x":0.5,"delta_y":-0.5,"modifier_state":"shift-mask"})");
  for (size_t n = 0; n <= full.size(); n++) {
    ControlParse p;
    ASSERT_NO_THROW(p = nvcf::parse_control_message(std::string_view(full).substr(0, n)));
    EXPECT_NE(p.request.has_value(), !p.error.empty()) << n;
    InputParse i;
    ASSERT_NO_THROW(i = nvcf::parse_input_message(std::string_view(full).substr(0, n)));
    EXPECT_NE(i.event.has_value(), !i.error.empty()) << n;
  }
  EXPECT_TRUE(nvcf::parse_control_message(full).request.has_value());
}

/* ---- replies ---- */

/* webrtcsink answers with its serde-tagged ControlResponseMessage, and
 * gstwebrtc-api's RemoteController raises controlResponse only for that
 * "type"; answering with the request's type ("navigationEvent") left the
 * unmodified client without any answer. */
TEST(ControlReply, Success) {
  Json reply = Json::parse(nvcf::control_reply(12, ""));
  ASSERT_NE(reply.object(), nullptr);
  EXPECT_STREQ(json_object_get_string_member(reply.object(), "type"), "ControlResponseMessage");
  EXPECT_EQ(json_object_get_int_member(reply.object(), "id"), 12);
  EXPECT_TRUE(json_object_has_member(reply.object(), "error"));
  EXPECT_TRUE(json_object_get_null_member(reply.object(), "error"));
  EXPECT_EQ(json_object_get_size(reply.object()), 3u);
}

TEST(ControlReply, SameTypeForEveryRequest) {
  for (const char* request :
       {R"({"id":0,"request":{"type":"navigationEvent","event":{"event":"TouchFrame"}}})",
        R"({"id":1,"request":{"type":"customUpstreamEvent","structureName":"s","structure":{}}})",
        R"({"id":2,"request":{"type":"noSuchRequest"}})"}) {
    ControlParse p = nvcf::parse_control_message(request);
    ASSERT_TRUE(p.id) << request;
    Json reply = Json::parse(nvcf::control_reply(p.id, p.error));
    ASSERT_NE(reply.object(), nullptr) << request;
    EXPECT_STREQ(json_object_get_string_member(reply.object(), "type"), "ControlResponseMessage")
        << request;
    EXPECT_EQ(json_object_get_int_member(reply.object(), "id"), *p.id) << request;
  }
}

TEST(ControlReply, ErrorIsEscaped) {
  const std::string error = "bad \"thing\"\n\\ é";
  Json reply = Json::parse(nvcf::control_reply(-3, error));
  ASSERT_NE(reply.object(), nullptr);
  EXPECT_STREQ(json_object_get_string_member(reply.object(), "type"), "ControlResponseMessage");
  EXPECT_EQ(json_object_get_int_member(reply.object(), "id"), -3);
  EXPECT_EQ(json_object_get_string_member(reply.object(), "error"), error);
}

TEST(ControlReply, UnknownId) {
  Json reply = Json::parse(nvcf::control_reply(std::nullopt, "missing \"id\""));
  ASSERT_NE(reply.object(), nullptr);
  EXPECT_TRUE(json_object_get_null_member(reply.object(), "id"));
  EXPECT_STREQ(json_object_get_string_member(reply.object(), "type"), "ControlResponseMessage");
}

TEST(ControlReply, AnswersARejectedRequest) {
  ControlParse p = nvcf::parse_control_message(navigation_request(R"({"event":"MouseMove"})"));
  Json reply = Json::parse(nvcf::control_reply(p.id, p.error));
  ASSERT_NE(reply.object(), nullptr);
  EXPECT_STREQ(json_object_get_string_member(reply.object(), "type"), "ControlResponseMessage");
  EXPECT_EQ(json_object_get_int_member(reply.object(), "id"), 1);
  EXPECT_EQ(json_object_get_string_member(reply.object(), "error"), p.error);
}
