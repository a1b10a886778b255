/* Shared signalling helpers: see signalling_wire.h. */
#include "signalling_wire.h"

#include <algorithm>
#include <cctype>
#include <climits>

namespace nvcf::wire {

namespace {
/* Client-provided strings quoted in error texts are cut to this length. */
constexpr size_t kMaxQuoted = 64;

using NodePtr = json::NodePtr;

}  // namespace

/* ---- reading JSON ---- */

/* One JSON value from text; nullptr with *why set when text is not one.
 * Through json::parse, which holds the depth guard for every parser. */
NodePtr parse_json(std::string_view text, std::string* why) {
  json::Parsed p = json::parse(text);
  switch (p.error) {
    case json::ParseError::None:
      return std::move(p.root);
    case json::ParseError::Empty:
      *why = "empty message";
      break;
    case json::ParseError::TooDeep:
      *why = "JSON " + p.message;
      break;
    default:
      *why = "invalid JSON: " + p.message;
      break;
  }
  return nullptr;
}

/* Member `name` of obj, or nullptr when absent or JSON null. */
JsonNode* member(JsonObject* obj, const char* name) {
  JsonNode* node = obj ? json_object_get_member(obj, name) : nullptr;
  return node && !JSON_NODE_HOLDS_NULL(node) ? node : nullptr;
}

JsonObject* object_of(JsonNode* node) {
  return node && JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : nullptr;
}

std::optional<std::string> string_of(JsonNode* node) {
  if (node && JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_STRING)
    return std::string(json_node_get_string(node));
  return std::nullopt;
}

std::optional<int64_t> int_of(JsonNode* node) {
  if (node && JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_INT64)
    return json_node_get_int(node);
  return std::nullopt;
}

std::string to_text(JsonNode* node) {
  gchar* text = json_to_string(node, FALSE);
  std::string result = text ? text : "";
  g_free(text);
  return result;
}

/* JSON text of an object given as JSON text, or "" when it is not one. */
std::string normalised_object_text(const std::string& text) {
  std::string why;
  NodePtr node = parse_json(text, &why);
  return object_of(node.get()) ? to_text(node.get()) : "";
}

/* "value" in double quotes, cut to kMaxQuoted characters for error texts. */
std::string quoted(std::string_view value) {
  if (value.size() > kMaxQuoted)
    return "\"" + std::string(value.substr(0, kMaxQuoted)) + "...\"";
  return "\"" + std::string(value) + "\"";
}

/* The SDP of a {"type":"answer","sdp":...} description; nullopt and *why
 * when it is anything else (client offers are refused: we always offer). */
std::optional<std::string> read_answer(JsonObject* desc, std::string* why) {
  std::optional<std::string> type = string_of(member(desc, "type"));
  std::optional<std::string> sdp = string_of(member(desc, "sdp"));
  if (!type || !sdp) {
    *why = "sdp needs string \"type\" and \"sdp\"";
    return std::nullopt;
  }
  if (*type == "offer") {
    *why = "offers from clients are refused: the streamer makes the offer";
    return std::nullopt;
  }
  if (*type != "answer") {
    *why = "unsupported sdp type " + quoted(*type);
    return std::nullopt;
  }
  return sdp;
}

/* A client candidate {candidate, sdpMLineIndex?, sdpMid?, ...}. A missing
 * sdpMLineIndex reads as 0 (sdp_mid still tells the streamer the m-line). */
std::optional<IceCandidate> read_ice(JsonObject* ice, std::string* why) {
  if (!ice) {
    *why = "ice must be an object";
    return std::nullopt;
  }
  IceCandidate result;
  std::optional<std::string> candidate = string_of(member(ice, "candidate"));
  if (!candidate) {
    *why = "ice.candidate must be a string";
    return std::nullopt;
  }
  result.candidate = *candidate;

  if (JsonNode* index = member(ice, "sdpMLineIndex")) {
    std::optional<int64_t> value = int_of(index);
    if (!value || *value < 0 || *value > INT_MAX) {
      *why = "ice.sdpMLineIndex must be a non-negative integer";
      return std::nullopt;
    }
    result.mline_index = static_cast<unsigned>(*value);
  }
  if (JsonNode* mid = member(ice, "sdpMid")) {
    std::optional<std::string> value = string_of(mid);
    if (!value) {
      *why = "ice.sdpMid must be a string";
      return std::nullopt;
    }
    result.sdp_mid = *value;
  }
  return result;
}

/* ---- building JSON ---- */

JsonArray* string_array(const std::vector<std::string>& values) {
  JsonArray* array = json_array_new();
  for (const std::string& value : values)
    json_array_add_string_element(array, value.c_str());
  return array;
}

SignallingRequest make_request(SignallingRequest::Kind kind, std::string session_id) {
  SignallingRequest request{};
  request.kind = kind;
  request.session_id = std::move(session_id);
  return request;
}

std::string_view trim(std::string_view s) {
  const char* blanks = " \t\r\n";
  size_t first = s.find_first_not_of(blanks);
  if (first == std::string_view::npos)
    return {};
  size_t last = s.find_last_not_of(blanks);
  return s.substr(first, last - first + 1);
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace nvcf::wire
