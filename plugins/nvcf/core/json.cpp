#include "json.h"

namespace nvcf::json {

bool nesting_within(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth)
        return false;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return true;
}

Parsed parse(std::string_view text) {
  Parsed out;
  auto fail = [&](ParseError e, std::string message) {
    out.error = e;
    out.message = std::move(message);
    return std::move(out);
  };
  // json-glib reads a C string: an embedded NUL would silently cut the text.
  if (text.find('\0') != std::string_view::npos)
    return fail(ParseError::NulByte, "contains a NUL byte");
  if (!nesting_within(text, kMaxDepth))
    return fail(ParseError::TooDeep, "nested deeper than " + std::to_string(kMaxDepth) + " levels");
  ParserPtr parser(json_parser_new());
  GError* err = nullptr;
  if (!json_parser_load_from_data(parser.get(), text.data(), static_cast<gssize>(text.size()),
                                  &err)) {
    std::string why = err ? err->message : "parse error";
    g_clear_error(&err);
    return fail(ParseError::Syntax, why);
  }
  out.root.reset(json_parser_steal_root(parser.get()));
  if (!out.root)  // blank text parses to no root
    return fail(ParseError::Empty, "empty");
  return out;
}

std::optional<Document> parse_object(std::string_view text, std::string* error) {
  Parsed p = parse(text);
  if (p.error != ParseError::None) {
    if (error)
      *error = "malformed JSON: " + p.message;
    return std::nullopt;
  }
  if (!JSON_NODE_HOLDS_OBJECT(p.root.get())) {
    if (error)
      *error = "expected a JSON object";
    return std::nullopt;
  }
  Document doc;
  doc.node = std::move(p.root);
  doc.root = json_node_get_object(doc.node.get());
  return doc;
}

namespace {
JsonNode* value_member(JsonObject* o, const char* name) {
  if (!o)
    return nullptr;
  JsonNode* n = json_object_get_member(o, name);
  return (n && JSON_NODE_HOLDS_VALUE(n)) ? n : nullptr;
}
}  // namespace

bool has(JsonObject* o, const char* name) {
  return o && json_object_has_member(o, name);
}

std::optional<std::string> get_string(JsonObject* o, const char* name) {
  JsonNode* n = value_member(o, name);
  if (!n || json_node_get_value_type(n) != G_TYPE_STRING)
    return std::nullopt;
  return std::string(json_node_get_string(n));
}

std::optional<int64_t> get_int(JsonObject* o, const char* name) {
  JsonNode* n = value_member(o, name);
  if (!n || json_node_get_value_type(n) != G_TYPE_INT64)
    return std::nullopt;
  return json_node_get_int(n);
}

std::optional<double> get_number(JsonObject* o, const char* name) {
  JsonNode* n = value_member(o, name);
  if (!n)
    return std::nullopt;
  GType t = json_node_get_value_type(n);
  if (t == G_TYPE_INT64)
    return static_cast<double>(json_node_get_int(n));
  if (t == G_TYPE_DOUBLE)
    return json_node_get_double(n);
  return std::nullopt;
}

std::optional<bool> get_bool(JsonObject* o, const char* name) {
  JsonNode* n = value_member(o, name);
  if (!n || json_node_get_value_type(n) != G_TYPE_BOOLEAN)
    return std::nullopt;
  return json_node_get_boolean(n) != FALSE;
}

JsonObject* get_object(JsonObject* o, const char* name) {
  if (!o)
    return nullptr;
  JsonNode* n = json_object_get_member(o, name);
  return (n && JSON_NODE_HOLDS_OBJECT(n)) ? json_node_get_object(n) : nullptr;
}

std::string to_string(JsonNode* node) {
  JsonGenerator* gen = json_generator_new();
  json_generator_set_root(gen, node);
  gchar* text = json_generator_to_data(gen, nullptr);
  std::string out(text ? text : "null");
  g_free(text);
  g_object_unref(gen);
  return out;
}

std::string to_string(JsonObject* object) {
  JsonNode* node = json_node_new(JSON_NODE_OBJECT);
  json_node_set_object(node, object);
  std::string out = to_string(node);
  json_node_unref(node);
  return out;
}

std::string quote(std::string_view s) {
  JsonNode* node = json_node_new(JSON_NODE_VALUE);
  json_node_set_string(node, std::string(s).c_str());
  std::string out = to_string(node);
  json_node_unref(node);
  return out;
}

}  // namespace nvcf::json
