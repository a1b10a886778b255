#include "control.h"

#include "json.h"

namespace nvcf {

namespace {

constexpr const char* kReadyPath = "/v1/streaming/ready";
constexpr const char* kCredsPath = "/v1/streaming/creds";
constexpr const char* kEndSessionPath = "/v1/streaming/endsession";

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
  if (rq.path == kCredsPath || rq.path == kEndSessionPath) {
    if (rq.method != "POST")
      return failure(405, "method " + rq.method + " not allowed on " + rq.path, "POST");
    if (rq.content_type != "application/json")
      return failure(415, "Content-Type must be application/json, got \"" + rq.content_type + "\"");
    if (rq.content_length > kMaxControlBody)
      return failure(413, "request body over " + std::to_string(kMaxControlBody) + " bytes");
    return std::nullopt;
  }
  return failure(404, "no such endpoint: " + rq.path);
}

std::optional<EndSessionRequest> parse_end_session(std::string_view text, std::string* error) {
  auto doc = json::parse_object(text, error);
  if (!doc)
    return std::nullopt;
  EndSessionRequest rq;
  auto id = json::get_string(doc->root, "sessionId");
  if (!id || id->empty()) {
    *error = json::has(doc->root, "sessionId") ? "\"sessionId\" must be a non-empty string"
                                               : "\"sessionId\" is required";
    return std::nullopt;
  }
  rq.session_id = *id;
  if (json::has(doc->root, "gracefulShutdown")) {
    auto graceful = json::get_bool(doc->root, "gracefulShutdown");
    if (!graceful) {
      *error = "\"gracefulShutdown\" must be a boolean";
      return std::nullopt;
    }
    rq.graceful = *graceful;
  }
  return rq;
}

HttpResponse control_handle(const HttpRequest& rq, const ControlHooks& hooks) {
  if (auto refusal = control_precheck(rq))
    return *refusal;

  if (rq.path == kReadyPath) {
    HttpResponse r;
    r.status = 500;
    r.body = "{}";
    if (hooks.readiness)
      hooks.readiness(&r.status, &r.body);
    return r;
  }

  if (rq.body.size() > kMaxControlBody)
    return failure(413, "request body over " + std::to_string(kMaxControlBody) + " bytes");

  if (rq.path == kEndSessionPath) {
    std::string error;
    auto end = parse_end_session(rq.body, &error);
    if (!end)
      return failure(400, error);
    std::optional<std::string> status;
    if (hooks.end_session)
      status = hooks.end_session(end->session_id, end->graceful);
    if (!status)
      return failure(404, "no such session: " + end->session_id.substr(0, 64));
    HttpResponse r;
    r.body = "{\"sessionStatus\":" + json::quote(*status) + "}";
    /* The sink logs the session with its request id; the bare key here
     * would be a session line without one. */
    r.log = "endsession -> " + *status;
    return r;
  }

  /* POST /v1/streaming/creds */
  CredentialsParse parsed = parse_credentials(rq.body);
  if (!parsed.credentials)
    return failure(400, parsed.error);
  if (hooks.credentials)
    hooks.credentials(*parsed.credentials);
  HttpResponse r;
  r.body = "{\"success\":true}";
  r.log = "credentials updated for " + parsed.credentials->endpoint();
  return r;
}

}  // namespace nvcf
