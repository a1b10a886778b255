/* Fuzz target: the body of POST /v1/streaming/endsession
 * (parse_end_session), and the answer control_handle builds from it. */
#include "control.h"
#include "fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body = fuzz::text_of(data, size);
  std::string error;
  std::optional<nvcf::EndSessionRequest> rq = nvcf::parse_end_session(body, &error);
  fuzz::check_verdict(rq.has_value(), error, "endsession");
  FUZZ_CHECK(!rq || !rq->session_id.empty(), "empty session id accepted");

  /* The same body through the endpoint: a known session, then an unknown one. */
  for (bool known : {true, false}) {
    nvcf::ControlHooks hooks;
    hooks.end_session = [&](const std::string& id, bool graceful) -> std::optional<std::string> {
      FUZZ_CHECK(rq && id == rq->session_id && graceful == rq->graceful,
                 "hook called with another request");
      if (!known)
        return std::nullopt;
      return std::string(graceful ? "COMPLETE" : "AWAITING_RESUME");
    };
    nvcf::HttpRequest http{"POST", "/v1/streaming/endsession", "application/json", body,
                           body.size()};
    nvcf::HttpResponse r = nvcf::control_handle(http, hooks);
    fuzz::check_json_object(r.body, "endsession answer");
    unsigned want = body.size() > nvcf::kMaxControlBody ? 413 : !rq ? 400 : known ? 200 : 404;
    FUZZ_CHECK(r.status == want, "status %u, expected %u", r.status, want);
  }
  return 0;
}
