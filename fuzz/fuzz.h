/* What the fuzz targets share: the invariant check and JSON validity of a
 * reply. Each target is one .cpp with LLVMFuzzerTestOneInput, built twice:
 * with libFuzzer (-Dfuzzing=enabled) and, in every build, with replay.cpp's
 * main, which runs it over the committed corpus as a meson test. */
#pragma once

#include <json-glib/json-glib.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

/* An invariant: on failure, say which and abort (a crash to libFuzzer, a
 * failed test to the replay). Never compiled out, unlike assert(). */
#define FUZZ_CHECK(cond, ...)                                                           \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant failed: %s: ", __FILE__, __LINE__, #cond); \
      std::fprintf(stderr, __VA_ARGS__);                                                \
      std::fprintf(stderr, "\n");                                                       \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)

namespace fuzz {

/* A GLib critical or warning (a g_return_if_fail the core tripped) is a
 * finding too: it aborts, in the replay as under libFuzzer. */
inline void abort_on_glib_warning(const gchar* domain, GLogLevelFlags level, const gchar* message,
                                  gpointer) {
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)) {
    std::fprintf(stderr, "GLib %s: %s\n", domain ? domain : "", message);
    std::abort();
  }
}
inline const bool kGlibWarningsAbort =
    (g_log_set_default_handler(abort_on_glib_warning, nullptr), true);

inline std::string_view text_of(const uint8_t* data, size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

/* Pieces of s between separators (n separators give n + 1 pieces). */
inline std::vector<std::string_view> split(std::string_view s, char separator) {
  std::vector<std::string_view> pieces;
  while (true) {
    size_t end = s.find(separator);
    pieces.push_back(s.substr(0, end));
    if (end == std::string_view::npos)
      return pieces;
    s.remove_prefix(end + 1);
  }
}

/* Whether text is one JSON object in UTF-8, as every frame, reply and
 * body we send must be (a WebSocket text frame must be UTF-8; RFC 8259
 * JSON too). Read by json-glib directly, without the core's depth guard:
 * this checks the output, not the parser under test. */
inline bool is_json_object(std::string_view text) {
  if (text.find('\0') != std::string_view::npos ||
      !g_utf8_validate(text.data(), static_cast<gssize>(text.size()), nullptr))
    return false;
  JsonParser* parser = json_parser_new();
  bool ok =
      json_parser_load_from_data(parser, text.data(), static_cast<gssize>(text.size()), nullptr) &&
      json_parser_get_root(parser) && JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser));
  g_object_unref(parser);
  return ok;
}

inline void check_json_object(std::string_view text, const char* what) {
  FUZZ_CHECK(is_json_object(text), "%s is not a JSON object in UTF-8: %.*s", what,
             static_cast<int>(text.size() > 300 ? 300 : text.size()), text.data());
}

inline bool is_utf8(std::string_view text) {
  return g_utf8_validate(text.data(), static_cast<gssize>(text.size()), nullptr);
}

/* A parse yields a value or a non-empty error, never both nor neither, and
 * the error (logged, often sent) is UTF-8. */
inline void check_verdict(bool has_value, const std::string& error, const char* what) {
  FUZZ_CHECK(has_value != !error.empty(), "%s: a value and an error, or neither (error \"%s\")",
             what, error.c_str());
  FUZZ_CHECK(is_utf8(error), "%s: error not UTF-8", what);
}

}  // namespace fuzz
