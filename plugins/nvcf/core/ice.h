/* Which STUN/TURN servers a session uses. Pure C++. */
#pragma once

#include <optional>
#include <string>

#include "credentials.h"

namespace nvcf {

enum class CredsUse { Stun, Turn, Both };

std::optional<CredsUse> parse_creds_use(const std::string& text);
const char* creds_use_name(CredsUse use);

struct IceServers {
  std::string stun;  // "" = none
  std::string turn;  // "" = none; holds the TURN password
};

/* Explicit stun_override/turn_override (non-empty) win; otherwise the
 * posted credentials give stun://ip:port and/or turn://user:pass@ip:port
 * as `use` says. Nothing at all without either: no public default. */
IceServers ice_servers(const std::optional<Credentials>& creds, CredsUse use,
                       const std::string& stun_override, const std::string& turn_override);

}  // namespace nvcf
