/* Fuzz target: the control server's request handling, the pure
 * control_precheck (after the headers) and control_handle (after the body)
 * that gstnvcfcontrolserver.cpp calls with what libsoup read.
 *
 * Input: "METHOD\nPATH\nCONTENT-TYPE\nBODY" (the body may hold newlines);
 * missing lines are empty. */
#include <set>

#include "control.h"
#include "fuzz.h"

namespace {

const std::set<unsigned> kStatuses = {200, 400, 404, 405, 413, 415, 500};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = fuzz::text_of(data, size);
  std::string_view line[3];
  for (std::string_view& l : line) {
    size_t nl = in.find('\n');
    l = in.substr(0, nl);
    in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  }
  nvcf::HttpRequest rq{std::string(line[0]), std::string(line[1]), std::string(line[2]), in,
                       in.size()};

  unsigned readiness_calls = 0, credential_calls = 0, end_calls = 0;
  nvcf::ControlHooks hooks;
  hooks.readiness = [&](unsigned* status, std::string* json) {
    readiness_calls++;
    *status = 200;
    *json = R"({"state":"ready","sessions":0,"maxSessions":1})";
  };
  hooks.credentials = [&](const nvcf::Credentials& c) {
    credential_calls++;
    FUZZ_CHECK(nvcf::valid_host(c.stun_ip), "stored host %s", c.stun_ip.c_str());
  };
  hooks.end_session = [&](const std::string& id, bool graceful) -> std::optional<std::string> {
    end_calls++;
    if (id != "session-1" && id != "request-1")
      return std::nullopt;
    return std::string(graceful ? "COMPLETE" : "AWAITING_RESUME");
  };

  std::optional<nvcf::HttpResponse> early = nvcf::control_precheck(rq);
  nvcf::HttpResponse r = nvcf::control_handle(rq, hooks);

  FUZZ_CHECK(kStatuses.count(r.status), "status %u", r.status);
  fuzz::check_json_object(r.body, "answer");
  FUZZ_CHECK((r.status == 405) == !r.allow.empty(), "Allow \"%s\" with %u", r.allow.c_str(),
             r.status);
  /* What the early handler refuses, the full handler refuses alike. */
  if (early) {
    fuzz::check_json_object(early->body, "early refusal");
    FUZZ_CHECK(early->status == r.status && early->body == r.body, "early %u, late %u",
               early->status, r.status);
  }
  FUZZ_CHECK(readiness_calls + credential_calls + end_calls <= 1, "%u hooks for one request",
             readiness_calls + credential_calls + end_calls);
  FUZZ_CHECK(credential_calls == 0 || r.status == 200, "credentials stored, answer %u", r.status);
  return 0;
}
