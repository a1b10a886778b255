/* Data-channel input core: see input.h. */
#include "input.h"

#include "json.h"

#include <json-glib/json-glib.h>

#include <limits>
#include <memory>

namespace nvcf {

namespace {

using JsonNodePtr = std::unique_ptr<JsonNode, decltype(&json_node_unref)>;

/* What each event carries besides modifier_state (gstreamer-rs NavigationEvent). */
enum EventField : unsigned {
  kFieldXY = 1 << 0,
  kFieldButton = 1 << 1,
  kFieldDelta = 1 << 2,
  kFieldKey = 1 << 3,
  kFieldIdentifier = 1 << 4,
  kFieldPressure = 1 << 5,
};

struct EventSpec {
  const char* name;
  NavigationEvent::Type type;
  unsigned fields;
};

using Type = NavigationEvent::Type;

constexpr EventSpec kEventSpecs[] = {
    {"MouseMove", Type::MouseMove, kFieldXY},
    {"MouseButtonPress", Type::MouseButtonPress, kFieldXY | kFieldButton},
    {"MouseButtonRelease", Type::MouseButtonRelease, kFieldXY | kFieldButton},
    {"MouseScroll", Type::MouseScroll, kFieldXY | kFieldDelta},
    {"KeyPress", Type::KeyPress, kFieldKey},
    {"KeyRelease", Type::KeyRelease, kFieldKey},
    {"TouchDown", Type::TouchDown, kFieldXY | kFieldIdentifier | kFieldPressure},
    {"TouchMotion", Type::TouchMotion, kFieldXY | kFieldIdentifier | kFieldPressure},
    {"TouchUp", Type::TouchUp, kFieldXY | kFieldIdentifier},
    {"TouchFrame", Type::TouchFrame, 0},
    {"TouchCancel", Type::TouchCancel, 0},
};

struct ModifierNick {
  const char* nick;
  unsigned bit;
};

constexpr ModifierNick kModifierNicks[] = {
    {"shift-mask", kModifierShiftMask},
    {"lock-mask", kModifierLockMask},
    {"control-mask", kModifierControlMask},
    {"mod1-mask", kModifierMod1Mask},
    {"mod2-mask", kModifierMod2Mask},
    {"mod3-mask", kModifierMod3Mask},
    {"mod4-mask", kModifierMod4Mask},
    {"mod5-mask", kModifierMod5Mask},
    {"button1-mask", kModifierButton1Mask},
    {"button2-mask", kModifierButton2Mask},
    {"button3-mask", kModifierButton3Mask},
    {"button4-mask", kModifierButton4Mask},
    {"button5-mask", kModifierButton5Mask},
    {"super-mask", kModifierSuperMask},
    {"hyper-mask", kModifierHyperMask},
    {"meta-mask", kModifierMetaMask},
    {"none", 0},
};

std::string quoted(std::string_view s) {
  std::string out = "\"";
  out.append(s);
  out += '"';
  return out;
}

/* Parses text that must hold a JSON object; `what` names it in errors. */
JsonNodePtr parse_object(std::string_view text, const char* what, std::string& error) {
  JsonNodePtr root(nullptr, json_node_unref);
  json::Parsed p = json::parse(text);
  switch (p.error) {
    case json::ParseError::None:
      break;
    case json::ParseError::Syntax:
      error = std::string(what) + " is not valid JSON: " + p.message;
      return root;
    case json::ParseError::Empty:
      error = std::string(what) + " is empty";
      return root;
    default:
      error = std::string(what) + " " + p.message;
      return root;
  }
  if (!JSON_NODE_HOLDS_OBJECT(p.root.get())) {
    error = std::string(what) + " is not a JSON object";
    return root;
  }
  root.reset(p.root.release());
  return root;
}

/* Typed member access on one JSON object. Each getter returns false and sets
 * `error` (prefixed with `context`) when the member is missing or mistyped;
 * optional getters accept a missing or null member and leave `out` alone. */
class Members {
 public:
  Members(JsonObject* object, std::string context)
      : object_(object), context_(std::move(context)) {}

  std::string error;

  bool has(const char* name) const {
    JsonNode* node = json_object_get_member(object_, name);
    return node && !JSON_NODE_HOLDS_NULL(node);
  }

  bool number(const char* name, double& out) {
    JsonNode* node = value_node(name, "a number");
    if (!node)
      return false;
    GType type = json_node_get_value_type(node);
    if (type != G_TYPE_INT64 && type != G_TYPE_DOUBLE)
      return wrong_type(name, "a number");
    out = json_node_get_double(node);  // converts integers
    return true;
  }

  bool optional_number(const char* name, double& out) { return !has(name) || number(name, out); }

  bool integer(const char* name, int64_t min, int64_t max, int64_t& out) {
    JsonNode* node = value_node(name, "an integer");
    if (!node)
      return false;
    if (json_node_get_value_type(node) != G_TYPE_INT64)
      return wrong_type(name, "an integer");
    int64_t value = json_node_get_int(node);
    if (value < min || value > max) {
      return fail(quoted(name) + " is out of range (" + std::to_string(value) + ")");
    }
    out = value;
    return true;
  }

  bool string(const char* name, std::string& out) {
    JsonNode* node = value_node(name, "a string");
    if (!node)
      return false;
    if (json_node_get_value_type(node) != G_TYPE_STRING)
      return wrong_type(name, "a string");
    out = json_node_get_string(node);
    return true;
  }

  bool optional_string(const char* name, std::optional<std::string>& out) {
    if (!has(name))
      return true;
    std::string value;
    if (!string(name, value))
      return false;
    out = std::move(value);
    return true;
  }

  /* A member holding an object, or nullptr (with error). */
  JsonObject* object(const char* name) {
    JsonNode* node = json_object_get_member(object_, name);
    if (!node) {
      missing(name);
      return nullptr;
    }
    if (!JSON_NODE_HOLDS_OBJECT(node)) {
      wrong_type(name, "an object");
      return nullptr;
    }
    return json_node_get_object(node);
  }

 private:
  bool fail(const std::string& message) {
    error = context_ + message;
    return false;
  }

  JsonNode* value_node(const char* name, const char* expected) {
    JsonNode* node = json_object_get_member(object_, name);
    if (!node) {
      missing(name);
      return nullptr;
    }
    if (!JSON_NODE_HOLDS_VALUE(node)) {
      wrong_type(name, expected);
      return nullptr;
    }
    return node;
  }

  bool missing(const char* name) { return fail("missing " + quoted(name)); }

  bool wrong_type(const char* name, const char* expected) {
    return fail(quoted(name) + " must be " + expected);
  }

  JsonObject* object_;
  std::string context_;
};

/* Reads one event object (both channels); the mid is left to the caller. */
std::optional<NavigationEvent> parse_event_object(JsonObject* object, std::string& error) {
  Members members(object, "");
  std::string name;
  if (!members.string("event", name)) {
    error = members.error;
    return std::nullopt;
  }
  const EventSpec* spec = nullptr;
  for (const EventSpec& candidate : kEventSpecs) {
    if (name == candidate.name)
      spec = &candidate;
  }
  if (!spec) {
    error = "unknown event " + quoted(name);
    return std::nullopt;
  }

  NavigationEvent ev;
  ev.type = spec->type;
  Members fields(object, name + ": ");
  int64_t button = 0, identifier = 0;
  std::string modifiers;
  const unsigned has = spec->fields;
  if (has & kFieldPressure)  // absent = unknown, as GstNavigation has it
    ev.pressure = std::numeric_limits<double>::quiet_NaN();

  bool ok = true;
  if (ok && (has & kFieldXY))
    ok = fields.number("x", ev.x) && fields.number("y", ev.y);
  if (ok && (has & kFieldButton))
    ok = fields.integer("button", std::numeric_limits<int>::min(), std::numeric_limits<int>::max(),
                        button);
  if (ok && (has & kFieldDelta))
    ok = fields.number("delta_x", ev.delta_x) && fields.number("delta_y", ev.delta_y);
  if (ok && (has & kFieldKey))
    ok = fields.string("key", ev.key);
  if (ok && (has & kFieldIdentifier))
    ok = fields.integer("identifier", 0, std::numeric_limits<unsigned>::max(), identifier);
  if (ok && (has & kFieldPressure))
    ok = fields.optional_number("pressure", ev.pressure);
  // gstwebrtc-api always sends modifier_state; older clients may not.
  if (ok && fields.has("modifier_state"))
    ok = fields.string("modifier_state", modifiers);
  if (!ok) {
    error = fields.error;
    return std::nullopt;
  }
  if ((has & kFieldKey) && ev.key.empty()) {
    error = name + ": \"key\" is empty";
    return std::nullopt;
  }
  std::string modifier_error;
  std::optional<unsigned> state = parse_modifier_state(modifiers, &modifier_error);
  if (!state) {
    error = name + ": " + modifier_error;
    return std::nullopt;
  }
  ev.button = static_cast<int>(button);
  ev.identifier = static_cast<unsigned>(identifier);
  ev.modifier_state = *state;
  return ev;
}

std::optional<NavigationEvent> parse_navigation_request(JsonObject* request, std::string& error) {
  Members members(request, "navigationEvent: ");
  JsonObject* event = members.object("event");
  if (!event) {
    error = members.error;
    return std::nullopt;
  }
  return parse_event_object(event, error);
}

bool parse_custom_upstream_request(JsonObject* request, ControlRequest& out, std::string& error) {
  Members members(request, "customUpstreamEvent: ");
  if (!members.string("structureName", out.structure_name)) {
    error = members.error;
    return false;
  }
  if (out.structure_name.empty()) {
    error = "customUpstreamEvent: \"structureName\" is empty";
    return false;
  }
  if (!members.object("structure")) {
    error = members.error;
    return false;
  }
  gchar* text = json_to_string(json_object_get_member(request, "structure"), FALSE);
  out.structure_json = text;
  g_free(text);
  return true;
}

}  // namespace

std::optional<unsigned> parse_modifier_state(std::string_view text, std::string* error) {
  unsigned mask = 0;
  if (text.empty())
    return mask;
  size_t start = 0;
  while (true) {
    size_t end = text.find('+', start);
    std::string_view nick = text.substr(start, end == std::string_view::npos ? end : end - start);
    const ModifierNick* found = nullptr;
    for (const ModifierNick& candidate : kModifierNicks) {
      if (nick == candidate.nick)
        found = &candidate;
    }
    if (!found) {
      if (error) {
        *error = nick.empty() ? "empty modifier in \"modifier_state\" " + quoted(text)
                              : "unknown modifier " + quoted(nick);
      }
      return std::nullopt;
    }
    mask |= found->bit;
    if (end == std::string_view::npos)
      return mask;
    start = end + 1;
  }
}

const char* navigation_event_name(NavigationEvent::Type type) {
  for (const EventSpec& spec : kEventSpecs) {
    if (spec.type == type)
      return spec.name;
  }
  return "unknown";
}

ControlParse parse_control_message(std::string_view text) {
  ControlParse out;
  JsonNodePtr root = parse_object(text, "control message", out.error);
  if (!root)
    return out;
  Members members(json_node_get_object(root.get()), "");

  // Read id and request type before judging anything, so that even a
  // rejected request can be answered with them.
  int64_t id = 0;
  std::string id_error;
  if (members.integer("id", std::numeric_limits<int64_t>::min(),
                      std::numeric_limits<int64_t>::max(), id)) {
    out.id = id;
  } else {
    id_error = members.error;
  }

  // The request may come as an object or as a string holding one.
  JsonNodePtr wrapped(nullptr, json_node_unref);
  JsonObject* request = nullptr;
  std::string request_error;
  JsonNode* request_node = json_object_get_member(json_node_get_object(root.get()), "request");
  if (!request_node) {
    request_error = "missing \"request\"";
  } else if (JSON_NODE_HOLDS_OBJECT(request_node)) {
    request = json_node_get_object(request_node);
  } else if (JSON_NODE_HOLDS_VALUE(request_node) &&
             json_node_get_value_type(request_node) == G_TYPE_STRING) {
    wrapped = parse_object(json_node_get_string(request_node), "\"request\"", request_error);
    if (wrapped)
      request = json_node_get_object(wrapped.get());
  } else {
    request_error = "\"request\" must be an object or a string holding one";
  }
  if (request) {
    Members request_members(request, "request: ");
    if (!request_members.string("type", out.request_type))
      request_error = request_members.error;
  }

  ControlRequest result;
  if (!id_error.empty()) {
    out.error = id_error;
  } else if (!members.optional_string("mid", result.mid)) {
    out.error = members.error;
  } else if (!request_error.empty()) {
    out.error = request_error;
  } else if (out.request_type == "navigationEvent") {
    std::optional<NavigationEvent> ev = parse_navigation_request(request, out.error);
    if (ev) {
      result.kind = ControlRequest::Kind::Navigation;
      result.navigation = std::move(*ev);
      result.navigation.mid = result.mid;
    }
  } else if (out.request_type == "customUpstreamEvent") {
    result.kind = ControlRequest::Kind::CustomUpstream;
    parse_custom_upstream_request(request, result, out.error);
  } else {
    out.error = "unknown request type " + quoted(out.request_type);
  }

  if (out.error.empty()) {
    result.id = id;
    out.request = std::move(result);
  }
  return out;
}

std::string control_reply(std::optional<int64_t> id, const std::string& error) {
  // Built with json-glib so that the error text is escaped properly.
  JsonObject* object = json_object_new();
  json_object_set_string_member(object, "type", kControlResponseType);
  if (id)
    json_object_set_int_member(object, "id", *id);
  else
    json_object_set_null_member(object, "id");
  if (error.empty())
    json_object_set_null_member(object, "error");
  else
    json_object_set_string_member(object, "error", json::valid_utf8(error).c_str());

  JsonNodePtr node(json_node_alloc(), json_node_unref);
  json_node_init_object(node.get(), object);
  json_object_unref(object);
  gchar* text = json_to_string(node.get(), FALSE);
  std::string reply(text);
  g_free(text);
  return reply;
}

InputParse parse_input_message(std::string_view text) {
  InputParse out;
  JsonNodePtr root = parse_object(text, "input message", out.error);
  if (!root)
    return out;
  JsonObject* object = json_node_get_object(root.get());
  std::optional<NavigationEvent> ev = parse_event_object(object, out.error);
  if (!ev)
    return out;
  Members members(object, "");
  if (!members.optional_string("mid", ev->mid)) {
    out.error = members.error;
    return out;
  }
  out.event = std::move(ev);
  return out;
}

}  // namespace nvcf
