#include "pipelinefile.h"

#include <cctype>
#include <cstdlib>

namespace nvcf {

std::string strip_comments(std::string_view text) {
  std::string out;
  bool in_comment = false;
  char prev = '\n';
  for (char c : text) {
    if (c == '\n') {
      in_comment = false;
    } else if (!in_comment && c == '#' && std::isspace(static_cast<unsigned char>(prev))) {
      in_comment = true;
    }
    if (!in_comment)
      out += c;
    prev = c;
  }
  return out;
}

namespace {

bool valid_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front())))
    return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_')
      return false;
  return true;
}

/* Index of the '}' closing the reference opened at text[open] == '{',
 * allowing nested ${...} in a default. */
size_t closing_brace(std::string_view text, size_t open) {
  int depth = 0;
  for (size_t i = open; i < text.size(); i++) {
    if (text[i] == '{')
      depth++;
    else if (text[i] == '}' && --depth == 0)
      return i;
  }
  return std::string_view::npos;
}

}  // namespace

std::optional<std::string> substitute_env(std::string_view text, const EnvLookup& lookup,
                                          std::string* error) {
  std::string out;
  for (size_t i = 0; i < text.size(); i++) {
    char c = text[i];
    if (c != '$') {
      out += c;
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '$') {
      out += '$';
      i++;
      continue;
    }
    if (i + 1 >= text.size() || text[i + 1] != '{') {
      out += c;  // a lone '$' is literal, as in caps strings
      continue;
    }
    size_t close = closing_brace(text, i + 1);
    if (close == std::string_view::npos) {
      if (error)
        *error = "unterminated ${ at offset " + std::to_string(i);
      return std::nullopt;
    }
    std::string_view ref = text.substr(i + 2, close - i - 2);
    size_t sep = ref.find(":-");
    std::string name(ref.substr(0, sep));
    if (!valid_name(name)) {
      if (error)
        *error = "invalid variable name \"" + name + "\" in ${" + std::string(ref) + "}";
      return std::nullopt;
    }
    std::optional<std::string> value = lookup(name);
    if (value && !value->empty()) {
      out += *value;
    } else if (sep != std::string_view::npos) {
      auto fallback = substitute_env(ref.substr(sep + 2), lookup, error);
      if (!fallback)
        return std::nullopt;
      out += *fallback;
    } else if (value) {
      /* Set but empty, without a default: empty, as in the shell. */
    } else {
      if (error)
        *error = "environment variable " + name + " is not set (use ${" + name +
                 ":-default} for a default)";
      return std::nullopt;
    }
    i = close;
  }
  return out;
}

std::optional<std::string> prepare_pipeline(std::string_view text, const EnvLookup& lookup,
                                            std::string* error) {
  auto substituted = substitute_env(strip_comments(text), lookup, error);
  if (!substituted)
    return std::nullopt;
  std::string out;
  const std::string& in = *substituted;
  for (size_t i = 0; i < in.size(); i++) {
    if (in[i] == '\\' && i + 1 < in.size() && in[i + 1] == '\n') {
      out += ' ';  // shell-style line continuation
      i++;
    } else {
      out += (in[i] == '\n' || in[i] == '\r') ? ' ' : in[i];
    }
  }
  /* Trim, so an all-comment file reads as empty. */
  size_t b = out.find_first_not_of(" \t");
  size_t e = out.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : out.substr(b, e - b + 1);
}

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (!v)
      return std::nullopt;
    return std::string(v);
  };
}

}  // namespace nvcf
