/* Fuzz target: the body of POST /v1/streaming/creds (parse_credentials).
 * Besides "a value or an error", it checks that the answer never depends
 * on the password: the same body with another password gives the same
 * verdict, so no error can quote it. */
#include "credentials.h"
#include "fuzz.h"
#include "json.h"

namespace {

/* body with its top-level "password" string replaced, or "" when the body
 * is not an object holding one. */
std::string with_other_password(std::string_view body) {
  std::string out;
  nvcf::json::Parsed p = nvcf::json::parse(body);  // with the depth guard
  JsonObject* o =
      p.root && JSON_NODE_HOLDS_OBJECT(p.root.get()) ? json_node_get_object(p.root.get()) : nullptr;
  if (o && nvcf::json::get_string(o, "password")) {
    json_object_set_string_member(o, "password", "another password 0x1e");
    out = nvcf::json::to_string(p.root.get());
  }
  /* json-glib writes what JSON cannot hold (1e999 as inf.0): no verdict then. */
  return fuzz::is_json_object(out) ? out : "";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body = fuzz::text_of(data, size);
  nvcf::CredentialsParse parsed = nvcf::parse_credentials(body);
  fuzz::check_verdict(parsed.credentials.has_value(), parsed.error, "credentials");

  if (parsed.credentials) {
    const nvcf::Credentials& c = *parsed.credentials;
    FUZZ_CHECK(nvcf::valid_host(c.stun_ip), "accepted host %s", c.stun_ip.c_str());
    FUZZ_CHECK(c.stun_port >= 1 && c.stun_port <= 65535, "port %u", c.stun_port);
    FUZZ_CHECK(
        !c.private_shared_port || (*c.private_shared_port >= 1 && *c.private_shared_port <= 65535),
        "shared port");
    /* What nvcf-local posts for these credentials reads back the same. */
    std::string again = nvcf::credentials_json(c);
    fuzz::check_json_object(again, "credentials_json");
    nvcf::CredentialsParse round = nvcf::parse_credentials(again);
    FUZZ_CHECK(round.credentials && round.credentials->stun_ip == c.stun_ip &&
                   round.credentials->stun_port == c.stun_port &&
                   round.credentials->username == c.username &&
                   round.credentials->password == c.password,
               "credentials_json does not read back: %s", round.error.c_str());
    FUZZ_CHECK(c.turn_uri().find('@') == c.turn_uri().rfind('@'), "turn URI with two '@'");
  }

  std::string other = with_other_password(body);
  if (!other.empty()) {
    nvcf::CredentialsParse second = nvcf::parse_credentials(other);
    FUZZ_CHECK(second.error == parsed.error, "the verdict depends on the password: \"%s\" / \"%s\"",
               parsed.error.c_str(), second.error.c_str());
  }
  return 0;
}
