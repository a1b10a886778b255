/* Pipeline files for nvcf-streamer: comments and environment substitution.
 * Pure C++. */
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace nvcf {

using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

/* Drop comments: from a '#' at the start of a line or after white space to
 * the end of the line ('#' inside a word, e.g. a colour, stays). */
std::string strip_comments(std::string_view text);

/* Replace ${VAR} and ${VAR:-default} (default used when VAR is unset or
 * empty; it may itself contain ${...}); "$$" is a literal '$'. An unset
 * ${VAR} without default, or a malformed reference, is an error. */
std::optional<std::string> substitute_env(std::string_view text, const EnvLookup& lookup,
                                          std::string* error);

/* strip_comments + substitute_env + newlines folded to spaces: a
 * description for gst_parse_launch(). */
std::optional<std::string> prepare_pipeline(std::string_view text, const EnvLookup& lookup,
                                            std::string* error);

/* The process environment as an EnvLookup. */
EnvLookup process_env();

}  // namespace nvcf
