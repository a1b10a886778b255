/* What both signalling dialects share: reading client JSON (with the
 * core's depth guard), building frames, and SDP/ICE payloads. Internal to
 * the core's signalling files. */
#pragma once

#include <json-glib/json-glib.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "json.h"
#include "signalling.h"

namespace nvcf::wire {

using NodePtr = json::NodePtr;

/* One JSON value from text; nullptr with *why set when text is not one. */
NodePtr parse_json(std::string_view text, std::string* why);
/* Member `name` of obj, or nullptr when absent or JSON null. */
JsonNode* member(JsonObject* obj, const char* name);
JsonObject* object_of(JsonNode* node);
std::optional<std::string> string_of(JsonNode* node);
std::optional<int64_t> int_of(JsonNode* node);
std::string to_text(JsonNode* node);
/* Object text re-serialised compactly; "" for empty or non-object text. */
std::string normalised_object_text(const std::string& text);
/* A client-provided string for an error text: quoted, cut to 64 bytes. */
std::string quoted(std::string_view value);
/* The SDP of a {"type":"answer","sdp":...} description; nullopt and *why
 * when it is anything else (client offers are refused: we always offer). */
std::optional<std::string> read_answer(JsonObject* desc, std::string* why);
/* A client candidate {candidate, sdpMLineIndex?, sdpMid?, ...}. */
std::optional<IceCandidate> read_ice(JsonObject* ice, std::string* why);
JsonArray* string_array(const std::vector<std::string>& values);
SignallingRequest make_request(SignallingRequest::Kind kind, std::string session_id);
std::string_view trim(std::string_view s);
bool iequals(std::string_view a, std::string_view b);

/* Calls fn(piece) for each piece of s between separators. */
template <typename Fn>
void for_each_piece(std::string_view s, char separator, Fn fn) {
  while (true) {
    size_t end = s.find(separator);
    fn(s.substr(0, end));
    if (end == std::string_view::npos)
      return;
    s.remove_prefix(end + 1);
  }
}

/* A JSON object under construction: Json().str("type", "list").text(). */
class Json {
 public:
  Json() : obj_(json_object_new()) {}
  ~Json() {
    if (obj_)
      json_object_unref(obj_);
  }
  Json(const Json&) = delete;
  Json& operator=(const Json&) = delete;

  Json& str(const char* key, const std::string& value) {
    json_object_set_string_member(obj_, key, json::valid_utf8(value).c_str());
    return *this;
  }
  Json& num(const char* key, int64_t value) {
    json_object_set_int_member(obj_, key, value);
    return *this;
  }
  Json& null(const char* key) {
    json_object_set_null_member(obj_, key);
    return *this;
  }
  /* A copy of value; nullptr gives null. */
  Json& node(const char* key, JsonNode* value) {
    if (!value)
      return null(key);
    json_object_set_member(obj_, key, json_node_copy(value));
    return *this;
  }
  /* Shares child's object (a reference). */
  Json& obj(const char* key, const Json& child) {
    json_object_set_object_member(obj_, key, json_object_ref(child.obj_));
    return *this;
  }
  /* Takes ownership of items. */
  Json& array(const char* key, JsonArray* items) {
    json_object_set_array_member(obj_, key, items);
    return *this;
  }

  JsonObject* release() { return std::exchange(obj_, nullptr); }

  std::string text() const {
    JsonNode* node = json_node_init_object(json_node_alloc(), obj_);
    std::string result = to_text(node);
    json_node_unref(node);
    return result;
  }

 private:
  JsonObject* obj_;
};

}  // namespace nvcf::wire
