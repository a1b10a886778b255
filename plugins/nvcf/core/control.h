/* The control API of the NVCF streaming contract, as pure request ->
 * response logic; the HTTP transport (GstNvcfControlServer) only carries
 * bytes. Pure C++. */
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "credentials.h"

namespace nvcf {

constexpr size_t kMaxControlBody = 64 * 1024;

struct HttpRequest {
  std::string method;        // "GET", "POST", ...
  std::string path;          // "/v1/streaming/ready"
  std::string content_type;  // media type without parameters, may be empty
  std::string_view body;
  size_t content_length = 0;  // announced or read length
};

struct HttpResponse {
  unsigned status = 200;
  std::string body;   // JSON
  std::string allow;  // "Allow" header for 405
  std::string log;    // a line for the log, without secrets; empty = nothing notable
};

/* What the control API needs from the streamer. */
struct ControlHooks {
  /* Readiness: HTTP status (200/500) and JSON body. */
  std::function<void(unsigned* status, std::string* json)> readiness;
  /* Store accepted credentials. */
  std::function<void(const Credentials&)> credentials;
  /* End (graceful) or suspend for resume (not graceful) the session with
   * this id (session or request id). Returns "COMPLETE" or
   * "AWAITING_RESUME", or nullopt for an unknown session. */
  std::function<std::optional<std::string>(const std::string& session_id, bool graceful)>
      end_session;
};

struct EndSessionRequest {
  std::string session_id;
  bool graceful = true;  // gracefulShutdown, optional
};

/* Parse {"sessionId": str, "gracefulShutdown": bool}; nullopt + *error. */
std::optional<EndSessionRequest> parse_end_session(std::string_view json, std::string* error);

/* Whether a request with these headers can be refused before its body is
 * read (wrong path, method, type or size); returns the refusal. */
std::optional<HttpResponse> control_precheck(const HttpRequest& request);

/* The answer to a complete request, calling the hooks it needs. */
HttpResponse control_handle(const HttpRequest& request, const ControlHooks& hooks);

}  // namespace nvcf
