/* Client identity: see identity.h. */
#include "identity.h"

#include "signalling.h"

namespace nvcf {

namespace {

std::string_view trim(std::string_view s) {
  const char* blanks = " \t";
  size_t first = s.find_first_not_of(blanks);
  if (first == std::string_view::npos)
    return {};
  return s.substr(first, s.find_last_not_of(blanks) - first + 1);
}

}  // namespace

std::string cookie_value(std::string_view cookies, std::string_view name) {
  while (!cookies.empty()) {
    size_t semi = cookies.find(';');
    std::string_view pair = trim(cookies.substr(0, semi));
    size_t eq = pair.find('=');
    if (eq != std::string_view::npos && trim(pair.substr(0, eq)) == name)
      return std::string(trim(pair.substr(eq + 1)));
    if (semi == std::string_view::npos)
      break;
    cookies.remove_prefix(semi + 1);
  }
  return "";
}

ClientIdentity identity_from_handshake(const Handshake& h) {
  ClientIdentity id;
  id.request_id = std::string(trim(h.reqid_header));
  if (id.request_id.empty())
    id.request_id = subprotocol_value(h.subprotocols, "nvcf-reqid").value_or("");
  if (id.request_id.empty())
    id.request_id = cookie_value(h.cookie_header, "nvcf-request-id");
  id.session_token = subprotocol_value(h.subprotocols, "x-nv-sessionid").value_or("");
  return id;
}

std::string resume_key(const ClientIdentity& id) {
  if (!id.request_id.empty())
    return "request:" + id.request_id;
  if (!id.session_token.empty())
    return "token:" + id.session_token;
  if (!id.peer_name.empty())
    return "peer:" + id.peer_name;
  return "";
}

}  // namespace nvcf
