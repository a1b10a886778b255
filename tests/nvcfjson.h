/* The one JSON wrapper of the tests (json-glib, header only, no GStreamer):
 * parse a text, walk it with [], read values with defaults. */
#pragma once

#include <gtest/gtest.h>
#include <json-glib/json-glib.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

namespace nvcftest {

/* A JSON value that shares its parse: missing members and wrong types read
 * as absent ("" for str(), -1 for num() and number(), false for boolean()). */
class Json {
 public:
  Json() = default;
  /* Parses text; !exists() when it is not JSON. text() keeps the source. */
  static Json parse(const std::string& text) {
    Json j;
    j.source_ = std::make_shared<std::string>(text);
    JsonParser* parser = json_parser_new();
    if (json_parser_load_from_data(parser, text.data(), gssize(text.size()), nullptr)) {
      if (JsonNode* node = json_parser_steal_root(parser)) {
        j.root_.reset(node, json_node_unref);
        j.n_ = node;
      }
    }
    g_object_unref(parser);
    return j;
  }

  bool exists() const { return n_ != nullptr; }
  bool is_null() const { return n_ && JSON_NODE_HOLDS_NULL(n_); }
  bool is_object() const { return n_ && JSON_NODE_HOLDS_OBJECT(n_); }
  bool is_array() const { return n_ && JSON_NODE_HOLDS_ARRAY(n_); }
  bool is_string() const { return holds(G_TYPE_STRING); }
  bool is_int() const { return holds(G_TYPE_INT64); }
  bool is_bool() const { return holds(G_TYPE_BOOLEAN); }

  Json operator[](const char* key) const {
    if (!is_object())
      return Json();
    JsonObject* o = json_node_get_object(n_);
    return child(json_object_has_member(o, key) ? json_object_get_member(o, key) : nullptr);
  }
  Json operator[](unsigned i) const {
    if (!is_array() || i >= json_array_get_length(json_node_get_array(n_)))
      return Json();
    return child(json_array_get_element(json_node_get_array(n_), i));
  }
  /* Elements of an array, members of an object; 0 otherwise. */
  unsigned size() const {
    if (is_array())
      return json_array_get_length(json_node_get_array(n_));
    if (is_object())
      return json_object_get_size(json_node_get_object(n_));
    return 0;
  }
  std::set<std::string> keys() const {
    std::set<std::string> out;
    if (!is_object())
      return out;
    GList* members = json_object_get_members(json_node_get_object(n_));
    for (GList* l = members; l; l = l->next)
      out.insert(static_cast<const char*>(l->data));
    g_list_free(members);
    return out;
  }

  std::string str() const { return is_string() ? json_node_get_string(n_) : ""; }
  gint64 num() const { return is_int() ? json_node_get_int(n_) : -1; }
  /* An integer or a double as a double. */
  double number() const {
    if (is_int())
      return double(json_node_get_int(n_));
    return holds(G_TYPE_DOUBLE) ? json_node_get_double(n_) : -1;
  }
  bool boolean() const { return is_bool() && json_node_get_boolean(n_); }

  /* The parsed text for a parsed root, else the value serialised. */
  std::string text() const {
    if (source_ && n_ == root_.get())
      return *source_;
    if (!n_)
      return "";
    gchar* s = json_to_string(n_, FALSE);
    std::string out = s;
    g_free(s);
    return out;
  }
  /* Member key, failing the current test unless it is an object. */
  Json expect_object(const char* key) const {
    Json m = (*this)[key];
    if (!m.is_object())
      ADD_FAILURE() << "member " << key << " is not an object";
    return m;
  }
  /* Member key's elements as JSON texts, failing the current test unless
   * it is an array. */
  std::vector<std::string> expect_array(const char* key) const {
    std::vector<std::string> items;
    Json m = (*this)[key];
    if (!m.is_array()) {
      ADD_FAILURE() << "member " << key << " is not an array";
      return items;
    }
    for (unsigned i = 0; i < m.size(); i++)
      items.push_back(m[i].text());
    return items;
  }
  JsonNode* node() const { return n_; }
  JsonObject* object() const { return is_object() ? json_node_get_object(n_) : nullptr; }

 private:
  bool holds(GType type) const {
    return n_ && JSON_NODE_HOLDS_VALUE(n_) && json_node_get_value_type(n_) == type;
  }
  Json child(JsonNode* n) const {
    Json j;
    j.root_ = root_;
    j.n_ = n;
    return j;
  }
  std::shared_ptr<JsonNode> root_;
  std::shared_ptr<std::string> source_;
  JsonNode* n_ = nullptr;
};

/* text as a JSON string literal (quoted and escaped). */
inline std::string json_quote(const std::string& text) {
  JsonNode* n = json_node_init_string(json_node_alloc(), text.c_str());
  gchar* s = json_to_string(n, FALSE);
  std::string out = s;
  g_free(s);
  json_node_unref(n);
  return out;
}

/* Parses text, failing the current test unless it is a JSON object. */
inline Json expect_object(const std::string& text) {
  Json j = Json::parse(text);
  if (!j.is_object())
    ADD_FAILURE() << "not a JSON object: " << text;
  return j;
}

}  // namespace nvcftest
