/* Who a signalling client is, and which identity wins: the one place that
 * decides whether a returning client may resume a session. Pure C++.
 *
 * NVCF's order for the request id (docs/nvcf-contract.md): the nvcf-reqid
 * header, then the Sec-WebSocket-Protocol token nvcf-reqid.<id>, then the
 * nvcf-request-id cookie. For resume the request id wins, then NVIDIA's
 * x-nv-sessionid token, then the NVIDIA framing's peer_info name. */
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace nvcf {

/* What a WebSocket handshake tells about the client. */
struct Handshake {
  std::string reqid_header;               // nvcf-reqid, "" when absent
  std::vector<std::string> subprotocols;  // Sec-WebSocket-Protocol tokens
  std::string cookie_header;              // Cookie, "" when absent
};

struct ClientIdentity {
  std::string request_id;     // NVCF's request id, "" when none was given
  std::string session_token;  // x-nv-sessionid token
  std::string peer_name;      // NVIDIA framing: peer_info name, once known
};

/* The identity a handshake gives (peer_name comes later, from peer_info). */
ClientIdentity identity_from_handshake(const Handshake& handshake);

/* Who may resume: "request:<id>", else "token:<t>", else "peer:<name>";
 * "" = this client cannot resume. */
std::string resume_key(const ClientIdentity& identity);

/* The value of cookie `name` in a Cookie header, "" when absent. */
std::string cookie_value(std::string_view cookies, std::string_view name);

}  // namespace nvcf
