/* Configuration values shared by the element and the launcher: NVCF
 * environment defaults and the media port range. Pure C++. */
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nvcf {

/* NVCF's documented defaults (see the contract notes in README.md). */
constexpr unsigned kDefaultControlPort = 8111;
constexpr unsigned kDefaultStreamingPort = 49100;
constexpr const char* kDefaultStartEndpoint = "/sign_in";
constexpr const char* kDefaultPortRange = "47998-48020";

struct PortRange {
  unsigned min = 47998;
  unsigned max = 48020;
  std::string to_string() const;
  bool operator==(const PortRange& o) const { return min == o.min && max == o.max; }
};

/* "MIN-MAX" (or a single port) within 1024-65535 with MIN <= MAX.
 * On failure returns nullopt and sets *error to a sentence naming the
 * problem. */
std::optional<PortRange> parse_port_range(std::string_view text, std::string* error);

/* A TCP port 0-65535 (0 = pick a free one). */
std::optional<unsigned> parse_port(std::string_view text);

/* Environment lookups with the defaults above. An unset or empty variable
 * gives the default; an invalid one gives the default too and sets *warning
 * (when non-null) so the caller can log it. */
unsigned env_control_port(std::string* warning = nullptr);
unsigned env_streaming_port(std::string* warning = nullptr);
std::string env_start_endpoint(std::string* warning = nullptr);
std::string env_port_range(std::string* warning = nullptr);

/* An endpoint path must start with '/'. */
bool valid_endpoint(std::string_view path);

}  // namespace nvcf
