/* The control API of the NVCF streaming contract, as pure request ->
 * response logic; the HTTP transport (GstNvcfControlServer) only carries
 * bytes. Pure C++. */
#pragma once

#include <cstddef>
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
  size_t content_length = 0; // announced or read length
};

struct HttpResponse {
  unsigned status = 200;
  std::string body;          // JSON
  std::string allow;         // "Allow" header for 405
  std::string log;           // a line for the log, without secrets; empty = nothing notable
  std::optional<Credentials> credentials;  // set: store these (accepted POST /creds)
};

/* Whether a request with these headers can be refused before its body is
 * read (wrong path, method, type or size); returns the refusal. */
std::optional<HttpResponse> control_precheck(const HttpRequest& request);

/* The answer to a complete request. ready_status and ready_json come from
 * the readiness state machine. */
HttpResponse control_handle(const HttpRequest& request, unsigned ready_status,
                               const std::string& ready_json);

}  // namespace nvcf
