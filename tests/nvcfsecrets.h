/* The secrets the suites use, in one place, so one check (the suite
 * secrets-grep, test_secrets_grep.cpp, run after every other suite) can
 * look for each of them, in every form a log could carry it, in every log
 * the suites leave. A test that posts credentials, starts coturn or hands a
 * key to a child takes its secret from here.
 *
 * Each secret holds '+' and '/' where it can, so its percent-encoded (TURN
 * URI), JSON-escaped and raw forms all differ. Time-limited TURN
 * credentials (coturn's use-auth-secret, as NVCF rotates them) use the
 * fixed expiry kRestExpiry, so their derived passwords are known too. */
#pragma once

#include <glib.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/credentials.h"

namespace nvcftest::secrets {

/* Long-term TURN passwords (coturn lt-cred-mech, user=NAME:PASSWORD). */
inline const std::string kTurnPassword = "Turn+Secret/7f3a9c";
inline const std::string kTurnPassword2 = "Rotated+Turn/2b8d41";
inline const std::string kWrongPassword = "Wrong+Pass/51d2e8";
/* Posted but never used against a server (parsing, logs, properties). */
inline const std::string kPostedPassword = "Pa55+w0rd/SECRET-7f3a";
inline const std::string kPostedPassword2 = "Second+Pass/9e4c17";
/* coturn static-auth-secret values (TURN REST / use-auth-secret). */
inline const std::string kRestSecret = "hmac+Shared/SECRET-a7c3";
inline const std::string kRestSecret2 = "hmac+Rotated/SECRET-5d90";
inline const std::string kRestSecret3 = "hmac+Third/SECRET-e21f";
inline const std::string kRestSecret4 = "hmac+Fourth/SECRET-38ab";
inline const std::string kWrongRestSecret = "hmac+Wrong/SECRET-0b6e";
/* nvcf-local's and the chain's TURN secret, the proxy's JWT secret and the
 * NVCF API key handed to children. */
inline const std::string kLocalTurnSecret = "turn-shared-SECRET-42";
inline const std::string kChainTurnSecret = "chain-turn-SECRET-7";
inline const std::string kChainJwtSecret = "chain-jwt-SECRET-9";
inline const std::string kLocalApiKey = "nvapi-LOCALKEY-0123456789abcdef";
inline const std::string kChainApiKey = "nvapi-CHAINKEY-0123456789abcdef";

/* 2038-01-01: a fixed expiry; coturn reads it as a signed 32-bit time
 * and refuses anything later. */
constexpr int64_t kRestExpiry = 2145916800;
/* The users time-limited credentials are made for. */
inline const std::vector<std::string> kRestUsers = {"viewer-a", "viewer-b", "viewer-c"};

/* Time-limited TURN credentials for user as NVCF derives them: username
 * "<expiry>:<user>", password base64(HMAC-SHA1(secret, username)). */
inline nvcf::Credentials rest(const std::string& secret, const std::string& user, unsigned port) {
  return nvcf::rest_credentials(secret, user, kRestExpiry, "127.0.0.1", port);
}

/* The raw secrets, each with a name for reports (which never print the
 * secret itself). */
inline std::vector<std::pair<std::string, std::string>> raw() {
  return {{"kTurnPassword", kTurnPassword},       {"kTurnPassword2", kTurnPassword2},
          {"kWrongPassword", kWrongPassword},     {"kPostedPassword", kPostedPassword},
          {"kPostedPassword2", kPostedPassword2}, {"kRestSecret", kRestSecret},
          {"kRestSecret2", kRestSecret2},         {"kRestSecret3", kRestSecret3},
          {"kRestSecret4", kRestSecret4},         {"kWrongRestSecret", kWrongRestSecret},
          {"kLocalTurnSecret", kLocalTurnSecret}, {"kChainTurnSecret", kChainTurnSecret},
          {"kChainJwtSecret", kChainJwtSecret},   {"kLocalApiKey", kLocalApiKey},
          {"kChainApiKey", kChainApiKey}};
}

/* s in a JSON string by an encoder that escapes '/' too (json-glib does
 * not; others do). */
inline std::string json_escaped(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '/' || c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out;
}

/* One way a secret can appear in text. */
struct Form {
  std::string name;  // e.g. "kTurnPassword (percent-encoded)"
  std::string text;
};

/* Every secret in every form worth looking for: raw, percent-encoded
 * (and twice, as GstUri re-escapes), JSON-escaped ('/' as '\/'), base64,
 * and the passwords derived from each REST secret for kRestUsers. */
inline std::vector<Form> forms() {
  std::vector<Form> out;
  auto add = [&](const std::string& name, const std::string& text) {
    for (auto& f : out)
      if (f.text == text)
        return;
    out.push_back({name, text});
  };
  for (auto& [name, s] : raw()) {
    add(name + " (raw)", s);
    std::string pct = nvcf::percent_encode(s);
    add(name + " (percent-encoded)", pct);
    add(name + " (percent-encoded twice)", nvcf::percent_encode(pct));
    add(name + " (JSON-escaped)", json_escaped(s));
    gchar* b64 = g_base64_encode(reinterpret_cast<const guchar*>(s.data()), s.size());
    add(name + " (base64)", b64);
    g_free(b64);
  }
  for (auto& [name, s] :
       std::vector<std::pair<std::string, std::string>>{{"kRestSecret", kRestSecret},
                                                        {"kRestSecret2", kRestSecret2},
                                                        {"kRestSecret3", kRestSecret3},
                                                        {"kRestSecret4", kRestSecret4},
                                                        {"kWrongRestSecret", kWrongRestSecret}})
    for (auto& user : kRestUsers) {
      std::string pw = rest(s, user, 3478).password;
      add(name + " password for " + user, pw);
      add(name + " password for " + user + " (percent-encoded)", nvcf::percent_encode(pw));
      add(name + " password for " + user + " (JSON-escaped)", json_escaped(pw));
    }
  return out;
}

}  // namespace nvcftest::secrets
