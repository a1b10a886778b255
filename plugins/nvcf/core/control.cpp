#include "control.h"

#include "json.h"

namespace nvcf {

namespace {

constexpr const char* kReadyPath = "/v1/streaming/ready";
constexpr const char* kCredsPath = "/v1/streaming/creds";

HttpResponse failure(unsigned status, const std::string& message, std::string allow = {}) {
  HttpResponse r;
  r.status = status;
  r.body = "{\"success\":false,\"errorMessage\":" + json::quote(message) + "}";
  r.log = message;
  r.allow = std::move(allow);
  return r;
}

}  // namespace

std::optional<HttpResponse> control_precheck(const HttpRequest& rq) {
  if (rq.path == kReadyPath) {
    if (rq.method != "GET" && rq.method != "HEAD")
      return failure(405, "method " + rq.method + " not allowed on " + rq.path, "GET, HEAD");
    return std::nullopt;
  }
  if (rq.path == kCredsPath) {
    if (rq.method != "POST")
      return failure(405, "method " + rq.method + " not allowed on " + rq.path, "POST");
    if (rq.content_type != "application/json")
      return failure(415, "Content-Type must be application/json, got \"" +
                              rq.content_type + "\"");
    if (rq.content_length > kMaxControlBody)
      return failure(413, "request body over " + std::to_string(kMaxControlBody) + " bytes");
    return std::nullopt;
  }
  return failure(404, "no such endpoint: " + rq.path);
}

HttpResponse control_handle(const HttpRequest& rq, unsigned ready_status,
                               const std::string& ready_json) {
  if (auto refusal = control_precheck(rq))
    return *refusal;

  if (rq.path == kReadyPath) {
    HttpResponse r;
    r.status = ready_status;
    r.body = ready_json;
    return r;
  }

  /* POST /v1/streaming/creds */
  if (rq.body.size() > kMaxControlBody)
    return failure(413, "request body over " + std::to_string(kMaxControlBody) + " bytes");
  CredentialsParse parsed = parse_credentials(rq.body);
  if (!parsed.credentials)
    return failure(400, parsed.error);
  HttpResponse r;
  r.body = "{\"success\":true}";
  r.log = "credentials updated for " + parsed.credentials->endpoint();
  r.credentials = std::move(parsed.credentials);
  return r;
}

}  // namespace nvcf
