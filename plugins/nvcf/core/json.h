/* Small json-glib helpers shared by the core parsers. */
#pragma once

#include <json-glib/json-glib.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace nvcf::json {

struct ParserDeleter {
  void operator()(JsonParser* p) const { g_object_unref(p); }
};
using ParserPtr = std::unique_ptr<JsonParser, ParserDeleter>;

/* Deeper nesting is refused before json-glib sees the text: its parser
 * recurses once per level, and 100,000 nested '[' overflow the stack.
 * Every message we read is shallow. */
constexpr int kMaxDepth = 32;

struct NodeDeleter {
  void operator()(JsonNode* n) const { json_node_unref(n); }
};
using NodePtr = std::unique_ptr<JsonNode, NodeDeleter>;

/* Why text is not a JSON value. */
enum class ParseError { None, Empty, NulByte, TooDeep, Syntax };

struct Parsed {
  NodePtr root;  // set when error == None
  ParseError error = ParseError::None;
  std::string message;  // what went wrong, for a log or reply
};

/* The one way text becomes JSON here: every parser in the core goes
 * through it, so the depth guard cannot be forgotten. Besides prescan()'s
 * refusals, a tree json-glib could not write back is refused (Syntax): a
 * number beyond a double (1e999) or a string that is not UTF-8 once
 * unescaped (a lone surrogate). So every string read is UTF-8 and every
 * number finite. */
Parsed parse(std::string_view text);

/* What parse() refuses before json-glib sees the text: a NUL byte (json-glib
 * reads a C string and would cut it), '{' or '[' opening deeper than
 * max_depth outside strings, outside strings any byte JSON has no use for
 * (json-glib would read 'single-quoted' strings and comments, which could
 * hide brackets from the depth count), and anything after a top-level
 * object or array (json-glib would read it as a second value and leak
 * it). None, or the error and *why. */
ParseError prescan(std::string_view text, int max_depth, std::string* why);

/* Parse text whose root must be an object. Returns the parser (owning the
 * tree) and the root object, or sets *error. */
struct Document {
  NodePtr node;  // owns the tree
  JsonObject* root = nullptr;
};
std::optional<Document> parse_object(std::string_view text, std::string* error);

/* Typed member access; nullopt when absent, null, or of another type. */
bool has(JsonObject* o, const char* name);
std::optional<std::string> get_string(JsonObject* o, const char* name);
std::optional<int64_t> get_int(JsonObject* o, const char* name);
std::optional<double> get_number(JsonObject* o, const char* name);  // int or double
std::optional<bool> get_bool(JsonObject* o, const char* name);
JsonObject* get_object(JsonObject* o, const char* name);

/* Serialise a node/object to compact JSON text. */
std::string to_string(JsonNode* node);
std::string to_string(JsonObject* object);
/* s with each invalid UTF-8 sequence as U+FFFD, cut at a NUL: json-glib
 * writes string bytes as they are, so every string we send as JSON goes
 * through this (json-glib's own error texts quote input cut mid-character). */
std::string valid_utf8(std::string_view s);
/* JSON string literal with quotes, escaped, of valid_utf8(s). */
std::string quote(std::string_view s);

}  // namespace nvcf::json
