#include "json.h"

#include <cmath>
#include <cstdio>
#include <cstring>

namespace nvcf::json {

namespace {

/* Outside strings, JSON has only structure, literals and numbers. */
bool json_token_byte(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         std::strchr(" \t\n\r{}[],:-+.", c);
}

/* The code unit of the \uXXXX escape at text[at], or -1. */
long code_unit(std::string_view text, size_t at) {
  if (at + 6 > text.size() || text[at] != '\\' || text[at + 1] != 'u')
    return -1;
  long unit = 0;
  for (size_t k = at + 2; k < at + 6; k++) {
    char h = text[k];
    int digit = h >= '0' && h <= '9'   ? h - '0'
                : h >= 'a' && h <= 'f' ? h - 'a' + 10
                : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                       : -1;
    if (digit < 0)
      return -1;
    unit = unit * 16 + digit;
  }
  return unit;
}

/* Bytes of the \u escape at text[at] (6, or 12 for a surrogate pair), or
 * 0 when it is malformed or a lone surrogate. */
size_t escape_length(std::string_view text, size_t at) {
  long unit = code_unit(text, at);
  if (unit < 0 || (unit >= 0xDC00 && unit <= 0xDFFF))
    return 0;
  if (unit < 0xD800 || unit > 0xDBFF)
    return 6;
  long low = code_unit(text, at + 6);
  return low >= 0xDC00 && low <= 0xDFFF ? 12 : 0;
}

/* json-glib reads more than it can write back: 1e999 becomes inf, which
 * it writes as "inf.0", and a string with a lone surrogate escape (which
 * prescan() refuses; checked again here) becomes bytes that are not
 * UTF-8. Either would make what we echo or quote invalid JSON, so the tree
 * must hold neither. Depth is bounded by prescan(). */
bool representable(JsonNode* node, std::string* why) {
  switch (JSON_NODE_TYPE(node)) {
    case JSON_NODE_OBJECT: {
      JsonObjectIter it;
      const gchar* name = nullptr;
      JsonNode* member = nullptr;
      json_object_iter_init(&it, json_node_get_object(node));
      while (json_object_iter_next(&it, &name, &member)) {
        if (!g_utf8_validate(name, -1, nullptr)) {
          *why = "a member name is not valid UTF-8 (a lone surrogate escape)";
          return false;
        }
        if (!representable(member, why))
          return false;
      }
      return true;
    }
    case JSON_NODE_ARRAY: {
      JsonArray* array = json_node_get_array(node);
      for (guint i = 0; i < json_array_get_length(array); i++)
        if (!representable(json_array_get_element(array, i), why))
          return false;
      return true;
    }
    case JSON_NODE_VALUE: {
      GType type = json_node_get_value_type(node);
      if (type == G_TYPE_STRING && !g_utf8_validate(json_node_get_string(node), -1, nullptr)) {
        *why = "a string is not valid UTF-8 (a lone surrogate escape)";
        return false;
      }
      if (type == G_TYPE_DOUBLE && !std::isfinite(json_node_get_double(node))) {
        *why = "a number is out of range";
        return false;
      }
      return true;
    }
    case JSON_NODE_NULL:
      return true;
  }
  return true;
}

}  // namespace

ParseError prescan(std::string_view text, int max_depth, std::string* why) {
  auto syntax = [&](const char* what, size_t at) {
    *why = std::string(what) + " at offset " + std::to_string(at);
    return ParseError::Syntax;
  };
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  bool root_started = false;  // a byte of the one top-level value was seen
  bool root_done = false;     // that value was an object or array, now closed
  for (size_t i = 0; i < text.size(); i++) {
    char c = text[i];
    if (c == '\0') {
      *why = "contains a NUL byte";
      return ParseError::NulByte;
    }
    if (in_string) {
      if (escaped) {
        escaped = false;
        /* json-glib's scanner leaks on a malformed surrogate pair
         * ("\ud83d\u12") and reads a lone surrogate as bytes that are not
         * UTF-8: escapes as JSON has them, and surrogates in pairs. */
        if (!std::strchr("\"\\/bfnrtu", c))
          return syntax("invalid escape", i);
        if (c == 'u') {
          size_t length = escape_length(text, i - 1);
          if (!length)
            return syntax("invalid \\u escape", i);
          i += length - 2;
        }
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
      continue;
    /* json-glib reads a second top-level value after the first, drops it
     * and leaks its tree ({}{} leaks, a frame of 1 MiB leaks up to 1 MiB):
     * one value only. */
    if (depth == 0 && root_done)
      return syntax("text after the JSON value", i);
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (depth == 0 && root_started)
        return syntax("text after the JSON value", i);
      if (++depth > max_depth) {
        *why = "nested deeper than " + std::to_string(max_depth) + " levels";
        return ParseError::TooDeep;
      }
    } else if (c == '}' || c == ']') {
      if (depth == 0)
        return syntax("unbalanced bracket", i);
      root_done = --depth == 0;
    } else if (!json_token_byte(c)) {
      /* json-glib also reads 'single-quoted' strings and comments, which
       * would hide brackets from this count: refused, as JSON has neither.
       * The byte is not quoted: it may not be UTF-8. */
      char hex[32];
      std::snprintf(hex, sizeof hex, "unexpected byte 0x%02x", static_cast<unsigned char>(c));
      return syntax(hex, i);
    }
    root_started = true;
  }
  return ParseError::None;
}

Parsed parse(std::string_view text) {
  Parsed out;
  auto fail = [&](ParseError e, std::string message) {
    out.error = e;
    out.message = std::move(message);
    return std::move(out);
  };
  std::string why;
  if (ParseError e = prescan(text, kMaxDepth, &why); e != ParseError::None)
    return fail(e, why);
  if (text.empty())  // json-glib refuses a null pointer, which empty views may hold
    return fail(ParseError::Empty, "empty");
  ParserPtr parser(json_parser_new());
  GError* err = nullptr;
  if (!json_parser_load_from_data(parser.get(), text.data(), static_cast<gssize>(text.size()),
                                  &err)) {
    /* Its messages quote the input, cut where a character may go on. */
    why = valid_utf8(err ? err->message : "parse error");
    g_clear_error(&err);
    return fail(ParseError::Syntax, why);
  }
  out.root.reset(json_parser_steal_root(parser.get()));
  if (!out.root)  // blank text parses to no root
    return fail(ParseError::Empty, "empty");
  if (!representable(out.root.get(), &why)) {
    out.root.reset();
    return fail(ParseError::Syntax, why);
  }
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

std::string valid_utf8(std::string_view s) {
  s = s.substr(0, s.find('\0'));
  if (s.empty() || g_utf8_validate(s.data(), static_cast<gssize>(s.size()), nullptr))
    return std::string(s);
  gchar* valid = g_utf8_make_valid(s.data(), static_cast<gssize>(s.size()));
  std::string out(valid);
  g_free(valid);
  return out;
}

std::string quote(std::string_view s) {
  JsonNode* node = json_node_new(JSON_NODE_VALUE);
  json_node_set_string(node, valid_utf8(s).c_str());
  std::string out = to_string(node);
  json_node_unref(node);
  return out;
}

}  // namespace nvcf::json
