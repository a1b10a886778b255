#include "ice.h"

namespace nvcf {

std::optional<CredsUse> parse_creds_use(const std::string& text) {
  if (text == "stun")
    return CredsUse::Stun;
  if (text == "turn")
    return CredsUse::Turn;
  if (text == "both")
    return CredsUse::Both;
  return std::nullopt;
}

const char* creds_use_name(CredsUse use) {
  switch (use) {
    case CredsUse::Stun:
      return "stun";
    case CredsUse::Turn:
      return "turn";
    case CredsUse::Both:
      return "both";
  }
  return "both";
}

IceServers ice_servers(const std::optional<Credentials>& creds, CredsUse use,
                       const std::string& stun_override, const std::string& turn_override) {
  IceServers s;
  if (creds) {
    if (use != CredsUse::Turn)
      s.stun = creds->stun_uri();
    if (use != CredsUse::Stun)
      s.turn = creds->turn_uri();
  }
  if (!stun_override.empty())
    s.stun = stun_override;
  if (!turn_override.empty())
    s.turn = turn_override;
  return s;
}

}  // namespace nvcf
