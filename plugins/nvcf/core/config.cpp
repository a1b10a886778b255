#include "config.h"

#include <cstdlib>

namespace nvcf {

namespace {

std::optional<unsigned long> parse_number(std::string_view text) {
  if (text.empty() || text.size() > 9)
    return std::nullopt;
  unsigned long value = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return std::nullopt;
    value = value * 10 + static_cast<unsigned long>(c - '0');
  }
  return value;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

const char* env_value(const char* name) {
  const char* v = std::getenv(name);
  return (v && *v) ? v : nullptr;
}

unsigned env_port(const char* name, unsigned fallback, std::string* warning) {
  const char* v = env_value(name);
  if (!v)
    return fallback;
  if (auto port = parse_port(v))
    return *port;
  if (warning)
    *warning =
        std::string(name) + " is not a port number (0-65535); using " + std::to_string(fallback);
  return fallback;
}

}  // namespace

std::string PortRange::to_string() const {
  return std::to_string(min) + "-" + std::to_string(max);
}

std::optional<unsigned> parse_port(std::string_view text) {
  auto n = parse_number(trim(text));
  if (!n || *n > 65535)
    return std::nullopt;
  return static_cast<unsigned>(*n);
}

std::optional<PortRange> parse_port_range(std::string_view text, std::string* error) {
  auto fail = [&](const std::string& why) -> std::optional<PortRange> {
    if (error)
      *error = "invalid port range \"" + std::string(text) + "\": " + why;
    return std::nullopt;
  };
  std::string_view t = trim(text);
  auto dash = t.find('-');
  std::string_view lo = trim(t.substr(0, dash));
  std::string_view hi = dash == std::string_view::npos ? lo : trim(t.substr(dash + 1));
  auto min = parse_number(lo);
  auto max = parse_number(hi);
  if (!min || !max)
    return fail("expected MIN-MAX with two port numbers");
  if (*min < 1024 || *max > 65535)
    return fail("ports must lie within 1024-65535");
  if (*min > *max)
    return fail("MIN is greater than MAX");
  return PortRange{static_cast<unsigned>(*min), static_cast<unsigned>(*max)};
}

unsigned env_control_port(std::string* warning) {
  return env_port("CONTROL_SERVER_PORT", kDefaultControlPort, warning);
}

unsigned env_streaming_port(std::string* warning) {
  return env_port("STREAMING_SERVER_PORT", kDefaultStreamingPort, warning);
}

std::string env_start_endpoint(std::string* warning) {
  const char* v = env_value("STREAMING_START_ENDPOINT");
  if (!v)
    return kDefaultStartEndpoint;
  if (!valid_endpoint(v)) {
    if (warning)
      *warning = std::string("STREAMING_START_ENDPOINT must start with '/'; using ") +
                 kDefaultStartEndpoint;
    return kDefaultStartEndpoint;
  }
  return v;
}

std::string env_port_range(std::string* warning) {
  const char* v = env_value("STREAMING_PORT_BINDING_RANGE");
  if (!v)
    return kDefaultPortRange;
  std::string error;
  if (!parse_port_range(v, &error)) {
    if (warning)
      *warning = "STREAMING_PORT_BINDING_RANGE: " + error + "; using " + kDefaultPortRange;
    return kDefaultPortRange;
  }
  return v;
}

bool valid_endpoint(std::string_view path) {
  return !path.empty() && path.front() == '/';
}

Settings Settings::from_environment(std::vector<std::string>* warnings) {
  Settings s;
  std::string warning;
  auto take = [&] {
    if (!warning.empty() && warnings)
      warnings->push_back(warning);
    warning.clear();
  };
  s.control_port = env_control_port(&warning);
  take();
  s.streaming_port = env_streaming_port(&warning);
  take();
  s.start_endpoint = env_start_endpoint(&warning);
  take();
  s.port_range = *parse_port_range(env_port_range(&warning), nullptr);
  take();
  if (const char* addrs = env_value("NVCF_ICE_ADDRESSES"))
    s.ice_addresses = addrs;
  if (const char* policy = env_value("NVCF_SESSION_POLICY")) {
    if (auto p = parse_session_policy(policy))
      s.session_policy = *p;
    else if (warnings)
      warnings->push_back("NVCF_SESSION_POLICY must be reuse or exit; using reuse");
  }
  return s;
}

BitrateLimits Settings::bitrate_limits(unsigned start_kbps) const {
  BitrateLimits l;
  l.min_kbps = min_video_bitrate_kbps;
  l.max_kbps = max_video_bitrate_kbps ? max_video_bitrate_kbps : start_kbps;
  return l;
}

std::vector<std::string> Settings::ice_address_list() const {
  std::vector<std::string> out;
  std::string_view rest = ice_addresses;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    std::string_view item = trim(rest.substr(0, comma));
    if (!item.empty())
      out.emplace_back(item);
    if (comma == std::string_view::npos)
      break;
    rest = rest.substr(comma + 1);
  }
  return out;
}

std::string redact_uri(const std::string& uri) {
  auto scheme = uri.find("://");
  auto at = uri.rfind('@');
  if (scheme == std::string::npos || at == std::string::npos || at < scheme)
    return uri;
  auto colon = uri.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at)
    return uri;
  return uri.substr(0, colon + 1) + "***" + uri.substr(at);
}

}  // namespace nvcf
