/* Data-channel input core: pure C++, no GStreamer, no sockets, no main loop.
 *
 * Parses what a viewer sends over the WebRTC data channels, in the schema of
 * gst-plugins-rs webrtcsink, so gstwebrtc-api's RemoteController works as is:
 *  - channel "control": {"id":n,"mid":null|"<mid>","request":{...}} where the
 *    request is {"type":"navigationEvent","event":{...}} or
 *    {"type":"customUpstreamEvent","structureName":"..","structure":{...}},
 *    possibly wrapped in a JSON string; each request is answered with
 *    control_reply().
 *  - channel "input" (older): the bare event object, with an optional "mid".
 * Event objects are gstreamer-rs NavigationEvent's serde form, e.g.
 *   {"event":"MouseMove","x":10,"y":20,"modifier_state":"shift-mask+control-mask"}
 *
 * gstnvcfnavigation.h turns the results into upstream GStreamer events.
 */
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nvcf {

/* GstNavigationModifierType bit values (gstnvcfnavigation.cpp checks them
 * against GStreamer's at compile time). */
constexpr unsigned kModifierShiftMask = 1u << 0;
constexpr unsigned kModifierLockMask = 1u << 1;
constexpr unsigned kModifierControlMask = 1u << 2;
constexpr unsigned kModifierMod1Mask = 1u << 3;
constexpr unsigned kModifierMod2Mask = 1u << 4;
constexpr unsigned kModifierMod3Mask = 1u << 5;
constexpr unsigned kModifierMod4Mask = 1u << 6;
constexpr unsigned kModifierMod5Mask = 1u << 7;
constexpr unsigned kModifierButton1Mask = 1u << 8;
constexpr unsigned kModifierButton2Mask = 1u << 9;
constexpr unsigned kModifierButton3Mask = 1u << 10;
constexpr unsigned kModifierButton4Mask = 1u << 11;
constexpr unsigned kModifierButton5Mask = 1u << 12;
constexpr unsigned kModifierSuperMask = 1u << 26;
constexpr unsigned kModifierHyperMask = 1u << 27;
constexpr unsigned kModifierMetaMask = 1u << 28;
constexpr unsigned kModifierAllMask =
    kModifierShiftMask | kModifierLockMask | kModifierControlMask | kModifierMod1Mask |
    kModifierMod2Mask | kModifierMod3Mask | kModifierMod4Mask | kModifierMod5Mask |
    kModifierButton1Mask | kModifierButton2Mask | kModifierButton3Mask | kModifierButton4Mask |
    kModifierButton5Mask | kModifierSuperMask | kModifierHyperMask | kModifierMetaMask;

struct NavigationEvent {
  enum class Type {
    MouseMove,
    MouseButtonPress,
    MouseButtonRelease,
    MouseScroll,
    KeyPress,
    KeyRelease,
    TouchDown,
    TouchMotion,
    TouchUp,
    TouchFrame,
    TouchCancel,
  };
  Type type = Type::MouseMove;
  double x = 0, y = 0;              // video pixels: mouse and touch events
  int button = 0;                   // button events, as received (1 = left)
  double delta_x = 0, delta_y = 0;  // MouseScroll
  std::string key;                  // key events: X keysym name
  unsigned identifier = 0;          // touch point: TouchDown/Motion/Up
  double pressure = 0;              // TouchDown/Motion; parsed as NaN when not sent
                                    // (GstNavigation's "unknown")
  unsigned modifier_state = 0;      // kModifier* bits
  std::optional<std::string> mid;   // route to this media's pad; unset = any video pad
};

struct ControlRequest {
  int64_t id = 0;
  enum class Kind { Navigation, CustomUpstream } kind = Kind::Navigation;
  NavigationEvent navigation;  // Kind::Navigation (its mid = the request's mid)
  std::string structure_name;  // Kind::CustomUpstream
  std::string structure_json;  // Kind::CustomUpstream: JSON object text of the fields
  std::optional<std::string> mid;
};

/* Result of one "control" message. Even a rejected request carries what
 * could be read of it (id, request_type), so it can still be answered. */
struct ControlParse {
  std::optional<ControlRequest> request;
  std::string error;  // non-empty when rejected
  std::optional<int64_t> id;
  std::string request_type;  // "navigationEvent", "customUpstreamEvent", or as received (for logs)
};

ControlParse parse_control_message(std::string_view text);

/* Answer to a control request, in webrtcsink's shape (its serde-tagged
 * ControlResponseMessage): {"type":"ControlResponseMessage","id":<id>|null,
 * "error":null|"<error>"}. gstwebrtc-api's RemoteController raises its
 * controlResponse event only for that type. An empty error means success. */
inline constexpr const char* kControlResponseType = "ControlResponseMessage";
std::string control_reply(std::optional<int64_t> id, const std::string& error);

/* Result of one "input" message. */
struct InputParse {
  std::optional<NavigationEvent> event;
  std::string error;  // non-empty when rejected
};

InputParse parse_input_message(std::string_view text);

/* "+"-joined GstNavigationModifierType nicks ("shift-mask+control-mask");
 * "" and "none" are 0. Unknown or empty nicks: nullopt, with *error set. */
std::optional<unsigned> parse_modifier_state(std::string_view text, std::string* error = nullptr);

/* The schema's event name ("MouseMove", ...), for logs. */
const char* navigation_event_name(NavigationEvent::Type type);

}  // namespace nvcf
