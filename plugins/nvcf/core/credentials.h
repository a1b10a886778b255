/* STUN/TURN credentials posted to POST /v1/streaming/creds: parsing,
 * validation and the ICE server URIs derived from them. Pure C++. */
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nvcf {

struct Credentials {
  std::string stun_ip;     // IP literal or host name
  unsigned stun_port = 0;  // 1-65535
  std::string username;
  std::string password;  // secret: never log
  std::optional<unsigned> private_shared_port;

  /* "stun://host:port" */
  std::string stun_uri() const;
  /* "turn://user:pass@host:port" with user and password percent-encoded:
   * contains the secret, never log it. */
  std::string turn_uri() const;
  /* "host:port" for logs and messages. */
  std::string endpoint() const;
};

struct CredentialsParse {
  std::optional<Credentials> credentials;
  std::string field;  // the offending field when rejected ("" for the body itself)
  std::string error;  // sentence for the client and the log; never contains the password
};

/* Parse and validate a JSON body. Unknown fields are ignored. */
CredentialsParse parse_credentials(std::string_view json);

/* True for an IPv4/IPv6 literal or an RFC 1123 host name. */
bool valid_host(std::string_view host);

/* The body of POST /v1/streaming/creds for c (holds the password). */
std::string credentials_json(const Credentials& c);

/* Time-limited TURN credentials from a secret shared with the TURN server
 * (coturn's use-auth-secret, the TURN REST scheme NVCF rotates): username
 * "<expiry, Unix seconds>:<user>", password base64(HMAC-SHA1(secret,
 * username)). */
Credentials rest_credentials(const std::string& secret, const std::string& user, int64_t expiry,
                             const std::string& host, unsigned port);

/* Percent-encode everything but RFC 3986 unreserved characters. */
std::string percent_encode(std::string_view s);

}  // namespace nvcf
