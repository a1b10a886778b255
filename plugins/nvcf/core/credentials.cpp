#include "credentials.h"

#include <arpa/inet.h>

#include "json.h"

namespace nvcf {

namespace {

bool valid_label(std::string_view label) {
  if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
    return false;
  for (char c : label) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok)
      return false;
  }
  return true;
}

bool valid_hostname(std::string_view host) {
  if (!host.empty() && host.back() == '.')
    host.remove_suffix(1);
  if (host.empty() || host.size() > 253)
    return false;
  size_t start = 0;
  while (true) {
    size_t dot = host.find('.', start);
    if (!valid_label(host.substr(start, dot == std::string_view::npos ? dot : dot - start)))
      return false;
    if (dot == std::string_view::npos)
      return true;
    start = dot + 1;
  }
}

/* An ICE URI needs brackets around an IPv6 literal. */
std::string uri_host(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

CredentialsParse reject(const char* field, const std::string& why) {
  CredentialsParse r;
  r.field = field;
  r.error = *field ? std::string("\"") + field + "\" " + why : why;
  return r;
}

/* Port members must be JSON integers in 1-65535. */
std::optional<unsigned> port_member(JsonObject* o, const char* name, std::string* why) {
  JsonNode* n = json_object_get_member(o, name);
  if (!n || JSON_NODE_HOLDS_NULL(n)) {
    *why = "is required";
    return std::nullopt;
  }
  auto v = json::get_int(o, name);
  if (!v) {
    *why = "must be an integer";
    return std::nullopt;
  }
  if (*v < 1 || *v > 65535) {
    *why = "must be within 1-65535";
    return std::nullopt;
  }
  return static_cast<unsigned>(*v);
}

}  // namespace

bool valid_host(std::string_view host) {
  std::string h(host);
  unsigned char buf[16];
  if (inet_pton(AF_INET, h.c_str(), buf) == 1 || inet_pton(AF_INET6, h.c_str(), buf) == 1)
    return true;
  /* All-numeric dotted names that are not valid IPv4 (e.g. 300.1.1.1) are
   * typos, not host names. */
  if (h.find_first_not_of("0123456789.") == std::string::npos)
    return false;
  return valid_hostname(host);
}

std::string percent_encode(std::string_view s) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string Credentials::stun_uri() const {
  return "stun://" + uri_host(stun_ip) + ":" + std::to_string(stun_port);
}

std::string Credentials::turn_uri() const {
  return "turn://" + percent_encode(username) + ":" + percent_encode(password) + "@" +
         uri_host(stun_ip) + ":" + std::to_string(stun_port);
}

std::string Credentials::endpoint() const {
  return uri_host(stun_ip) + ":" + std::to_string(stun_port);
}

CredentialsParse parse_credentials(std::string_view text) {
  std::string error;
  auto doc = json::parse_object(text, &error);
  if (!doc)
    return reject("", "request body: " + error);
  JsonObject* o = doc->root;

  Credentials c;
  std::string why;

  if (!json::has(o, "stunIp"))
    return reject("stunIp", "is required");
  auto ip = json::get_string(o, "stunIp");
  if (!ip)
    return reject("stunIp", "must be a string");
  if (ip->empty())
    return reject("stunIp", "must not be empty");
  if (!valid_host(*ip))
    return reject("stunIp", "must be an IP address or a host name");
  c.stun_ip = *ip;

  auto port = port_member(o, "stunPort", &why);
  if (!port)
    return reject("stunPort", why);
  c.stun_port = *port;

  for (auto [name, target] :
       {std::pair<const char*, std::string*>{"username", &c.username}, {"password", &c.password}}) {
    if (!json::has(o, name))
      return reject(name, "is required");
    auto v = json::get_string(o, name);
    if (!v)
      return reject(name, "must be a string");
    *target = std::move(*v);
  }

  JsonNode* shared = json_object_get_member(o, "privateSharedPort");
  if (shared && !JSON_NODE_HOLDS_NULL(shared)) {
    auto p = port_member(o, "privateSharedPort", &why);
    if (!p)
      return reject("privateSharedPort", why);
    c.private_shared_port = *p;
  }

  CredentialsParse r;
  r.credentials = std::move(c);
  return r;
}

std::string credentials_json(const Credentials& c) {
  return "{\"stunIp\":" + json::quote(c.stun_ip) + ",\"stunPort\":" + std::to_string(c.stun_port) +
         ",\"username\":" + json::quote(c.username) + ",\"password\":" + json::quote(c.password) +
         "}";
}

Credentials rest_credentials(const std::string& secret, const std::string& user, int64_t expiry,
                             const std::string& host, unsigned port) {
  Credentials c;
  c.stun_ip = host;
  c.stun_port = port;
  c.username = std::to_string(expiry) + ":" + user;
  GHmac* hmac = g_hmac_new(G_CHECKSUM_SHA1, reinterpret_cast<const guchar*>(secret.data()),
                           secret.size());
  g_hmac_update(hmac, reinterpret_cast<const guchar*>(c.username.data()), c.username.size());
  guint8 digest[20];
  gsize len = sizeof digest;
  g_hmac_get_digest(hmac, digest, &len);
  g_hmac_unref(hmac);
  gchar* b64 = g_base64_encode(digest, len);
  c.password = b64;
  g_free(b64);
  return c;
}

}  // namespace nvcf
