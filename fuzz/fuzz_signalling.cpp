/* Fuzz target: both signalling dialects, through the entry the
 * signaller's connections use (gstnvcfsignaller.cpp): the dialect from the
 * URL query, on_open(), then on_text() per client text frame, with this
 * harness playing the streamer (accepting or refusing sessions, sending
 * offers, candidates and its own endSession).
 *
 * Input: records separated by 0x1e. The first is the URL query
 * ("peer_id=peer-1&version=2" selects NVIDIA's framing); each later one is
 * a client text frame, or a streamer command when it starts with 0x1f:
 * "\x1f" "end" (the streamer ends its first session), "\x1f" "huge" (a
 * frame one byte over the size limit). */
#include <set>
#include <string>

#include "fuzz.h"
#include "signalling.h"

namespace {

using nvcf::Dialect;
using nvcf::SignallingConnection;
using nvcf::SignallingOutput;
using nvcf::SignallingRequest;

constexpr char kRecord = '\x1e';
constexpr char kCommand = '\x1f';

void check_frames(const std::vector<std::string>& frames, const char* what) {
  for (const std::string& frame : frames)
    fuzz::check_json_object(frame, what);
}

bool owns(const SignallingConnection& conn, const std::string& id) {
  for (const std::string& s : conn.sessions())
    if (s == id)
      return true;
  return false;
}

/* The streamer's side of one connection, as the session registry plays it. */
class Streamer {
 public:
  explicit Streamer(SignallingConnection& conn) : conn_(conn) {}

  void handle(const SignallingOutput& out, std::string_view frame, size_t limit) {
    check_frames(out.replies, "reply");
    FUZZ_CHECK(out.close_reason.has_value() == (frame.size() > limit),
               "closed for a frame of %zu bytes", frame.size());
    FUZZ_CHECK(!out.close_reason || !out.replies.empty(), "closed without saying why");
    size_t starts = 0;
    for (const SignallingRequest& rq : out.requests) {
      switch (rq.kind) {
        case SignallingRequest::Kind::StartSession:
          starts++;
          FUZZ_CHECK(rq.peer_meta.empty() || fuzz::is_json_object(rq.peer_meta),
                     "peer meta not an object");
          start();
          break;
        case SignallingRequest::Kind::RemoteAnswer:
        case SignallingRequest::Kind::RemoteIce:
          FUZZ_CHECK(owns(conn_, rq.session_id), "request for a session not owned: %s",
                     rq.session_id.c_str());
          break;
        case SignallingRequest::Kind::EndSession:
          FUZZ_CHECK(accepted_.count(rq.session_id) && !owns(conn_, rq.session_id),
                     "end of a session never accepted or still owned: %s", rq.session_id.c_str());
          break;
      }
    }
    FUZZ_CHECK(starts <= 1, "%zu session starts from one frame", starts);
  }

  /* Every third start is refused (busy), as at max-sessions. */
  void start() {
    if (++starts_ % 3 == 0) {
      check_frames(conn_.refuse_session("busy: max-sessions reached"), "refusal");
      return;
    }
    std::string id = "session-" + std::to_string(starts_);
    std::vector<std::string> frames = conn_.accept_session(id);
    check_frames(frames, "sessionStarted");
    if (!owns(conn_, id))
      return;  // a second NVIDIA session is ignored
    accepted_.insert(id);
    check_frames(conn_.send_offer(id, "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"), "offer");
    check_frames(conn_.send_ice(id, {"candidate:1 1 UDP 2122 127.0.0.1 5000 typ host", 0, "0"}),
                 "candidate");
    check_frames(conn_.send_ice(id, {"", 0, ""}), "end of candidates");
  }

  void end_first() {
    if (conn_.sessions().empty())
      return;
    std::string id = conn_.sessions().front();
    check_frames(conn_.end_session(id), "endSession");
    FUZZ_CHECK(!owns(conn_, id), "session still owned after its end");
  }

 private:
  SignallingConnection& conn_;
  unsigned starts_ = 0;
  std::set<std::string> accepted_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string_view> records = fuzz::split(fuzz::text_of(data, size), kRecord);
  Dialect from_query = SignallingConnection::dialect_from_query(records[0]);
  nvcf::SignallingLimits limits;
  SignallingConnection conn("peer-7", "producer-1", R"({"name":"nvcfwebrtcsink0"})", from_query,
                            limits);
  Streamer streamer(conn);
  check_frames(conn.on_open().replies, "greeting");

  Dialect decided = from_query;
  for (size_t i = 1; i < records.size(); i++) {
    std::string_view record = records[i];
    if (record == std::string_view("\x1f"
                                   "end")) {
      streamer.end_first();
    } else if (record == std::string_view("\x1f"
                                          "huge")) {
      static const std::string huge(limits.max_message_bytes + 1, ' ');  // made once: 1 MiB
      streamer.handle(conn.on_text(huge), huge, limits.max_message_bytes);
    } else if (record.empty() || record[0] != kCommand) {
      streamer.handle(conn.on_text(record), record, limits.max_message_bytes);
    }
    /* Once shown, the dialect stays. */
    if (decided != Dialect::Unknown)
      FUZZ_CHECK(conn.dialect() == decided, "dialect changed");
    decided = conn.dialect();
    if (decided == Dialect::Nvidia)
      FUZZ_CHECK(conn.sessions().size() <= 1, "NVIDIA connection with %zu sessions",
                 conn.sessions().size());
  }
  return 0;
}
