/* Unit tests for the signalling core (plugins/nvcf/core/signalling.*).
 *
 * Every frame the core produces is parsed back with json-glib and checked
 * field by field, so a test fails on a wrong key, type or value, not only on
 * a missing substring.
 */
#include "signalling.h"

#include <gtest/gtest.h>
#include <json-glib/json-glib.h>

#include "nvcfjson.h"

#include <memory>
#include <set>
#include <string>
#include <vector>

using nvcf::Dialect;
using nvcf::IceCandidate;
using nvcf::SignallingConnection;
using nvcf::SignallingLimits;
using nvcf::SignallingOutput;
using nvcf::SignallingRequest;
using Kind = nvcf::SignallingRequest::Kind;
using nvcftest::expect_object;
using nvcftest::Json;

namespace {

constexpr const char* kPeer = "peer-42";
constexpr const char* kProducer = "producer-1";
constexpr const char* kOffer = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n";
constexpr const char* kAnswer = "v=0\r\no=- 2 2 IN IP4 0.0.0.0\r\n";

/* The frame is a Gst "error" whose details contain `part`. */
void expect_gst_error(const std::string& frame, const std::string& part) {
  Json f = expect_object(frame);
  EXPECT_EQ(f.keys(), (std::set<std::string>{"type", "details"})) << frame;
  EXPECT_EQ(f["type"].str(), "error");
  EXPECT_NE(f["details"].str().find(part), std::string::npos) << "details: " << f["details"].str();
}

/* A rejected client frame: exactly one Gst error, a log line, no request, socket kept. */
void expect_rejected(const SignallingOutput& out, const std::string& part) {
  ASSERT_EQ(out.replies.size(), 1u);
  expect_gst_error(out.replies[0], part);
  EXPECT_TRUE(out.requests.empty());
  EXPECT_FALSE(out.close_reason.has_value());
  EXPECT_FALSE(out.log.empty());
}

/* Nothing at all: the quiet acceptance of a frame. */
void expect_silent(const SignallingOutput& out) {
  EXPECT_TRUE(out.replies.empty());
  EXPECT_TRUE(out.requests.empty());
  EXPECT_FALSE(out.close_reason.has_value());
  EXPECT_TRUE(out.log.empty()) << out.log;
}

/* A malformed NVIDIA frame: the ack when it had an ackid (-1: none), then
 * exactly {"error":"..."} containing `part`, a log line, no request, the
 * socket kept. */
void expect_nvidia_error(const SignallingOutput& out, const std::string& part, int64_t ackid = -1) {
  size_t acks = ackid >= 0 ? 1 : 0;
  ASSERT_EQ(out.replies.size(), acks + 1) << out.log;
  if (acks) {
    Json ack = expect_object(out.replies[0]);
    EXPECT_EQ(ack.keys(), (std::set<std::string>{"ack"}));
    EXPECT_EQ(ack["ack"].num(), ackid);
  }
  Json f = expect_object(out.replies.back());
  EXPECT_EQ(f.keys(), (std::set<std::string>{"error"})) << out.replies.back();
  EXPECT_NE(f["error"].str().find(part), std::string::npos) << "error: " << f["error"].str();
  EXPECT_TRUE(out.requests.empty());
  EXPECT_FALSE(out.close_reason.has_value());
  EXPECT_FALSE(out.log.empty());
}

/* ---- Gst dialect fixture ---- */

class GstSignalling : public ::testing::Test {
 protected:
  SignallingConnection conn{kPeer, kProducer, R"({"name":"desktop"})"};

  /* startSession + accept_session(id); returns the sessionStarted frame. */
  std::string start(const std::string& id) {
    SignallingOutput out =
        conn.on_text(std::string(R"({"type":"startSession","peerId":")") + kProducer + "\"}");
    EXPECT_TRUE(out.replies.empty());
    EXPECT_EQ(out.requests.size(), 1u);
    std::vector<std::string> frames = conn.accept_session(id);
    EXPECT_EQ(frames.size(), 1u);
    return frames.empty() ? "{}" : frames[0];
  }
  SignallingOutput peer(const std::string& session, const std::string& payload) {
    return conn.on_text(R"({"type":"peer","sessionId":")" + session + "\"," + payload + "}");
  }
};

/* ---- subprotocols and query ---- */

TEST(Subprotocols, SplitTrimsAndDropsEmptyTokens) {
  EXPECT_EQ(nvcf::split_subprotocols(" a, b ,,\tc , "), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(nvcf::split_subprotocols("authorization.abc"),
            (std::vector<std::string>{"authorization.abc"}));
  EXPECT_TRUE(nvcf::split_subprotocols("").empty());
  EXPECT_TRUE(nvcf::split_subprotocols(" , ,").empty());
}

TEST(Subprotocols, ValueSplitsAtFirstDotWithCaseInsensitiveKey) {
  std::vector<std::string> tokens = nvcf::split_subprotocols(
      "Authorization.eyJhbGci.eyJzdWIi.sig, function-id.1234-abcd, NVCF-REQID.req-7, "
      "x-nv-sessionid.s1");
  EXPECT_EQ(nvcf::subprotocol_value(tokens, "authorization"), "eyJhbGci.eyJzdWIi.sig");
  EXPECT_EQ(nvcf::subprotocol_value(tokens, "Function-ID"), "1234-abcd");
  EXPECT_EQ(nvcf::subprotocol_value(tokens, "nvcf-reqid"), "req-7");
  EXPECT_EQ(nvcf::subprotocol_value(tokens, " x-nv-sessionid "), "s1");
  EXPECT_EQ(nvcf::subprotocol_value(tokens, "function-version-id"), std::nullopt);
}

TEST(Subprotocols, ValueNeedsWholeKeyDotAndNonEmptyValue) {
  std::vector<std::string> tokens = {"nvcf-reqidx.1", "nvcf-reqid", "nvcf-reqid.",
                                     "  nvcf-reqid.r2  ", "nvcf-reqid.r3"};
  // Prefix-only key, no dot and empty value are skipped; first real match wins (trimmed).
  EXPECT_EQ(nvcf::subprotocol_value(tokens, "nvcf-reqid"), "r2");
  EXPECT_EQ(nvcf::subprotocol_value({"nvcf-reqid", "nvcf-reqid."}, "nvcf-reqid"), std::nullopt);
  EXPECT_EQ(nvcf::subprotocol_value({}, "nvcf-reqid"), std::nullopt);
}

TEST(DialectFromQuery, PeerIdAndVersion2SelectNvidia) {
  EXPECT_EQ(SignallingConnection::dialect_from_query("peer_id=peer-1&version=2"), Dialect::Nvidia);
  EXPECT_EQ(SignallingConnection::dialect_from_query("?version=2&x=y&peer_id=peer-9"),
            Dialect::Nvidia);
  EXPECT_EQ(SignallingConnection::dialect_from_query("peer_id=peer-1"), Dialect::Unknown);
  EXPECT_EQ(SignallingConnection::dialect_from_query("version=2"), Dialect::Unknown);
  EXPECT_EQ(SignallingConnection::dialect_from_query("peer_id=&version=2"), Dialect::Unknown);
  EXPECT_EQ(SignallingConnection::dialect_from_query("peer_id=p&version=20"), Dialect::Unknown);
  EXPECT_EQ(SignallingConnection::dialect_from_query("xpeer_id=p&version=2"), Dialect::Unknown);
  EXPECT_EQ(SignallingConnection::dialect_from_query(""), Dialect::Unknown);
}

/* ---- Gst dialect: greeting, status, lists ---- */

TEST_F(GstSignalling, OpenSendsWelcomeWithPeerId) {
  SignallingOutput out = conn.on_open();
  ASSERT_EQ(out.replies.size(), 1u);
  Json f = expect_object(out.replies[0]);
  EXPECT_EQ(f.keys(), (std::set<std::string>{"type", "peerId"}));
  EXPECT_EQ(f["type"].str(), "welcome");
  EXPECT_EQ(f["peerId"].str(), kPeer);
  EXPECT_TRUE(out.requests.empty());
  EXPECT_EQ(conn.peer_id(), kPeer);
}

TEST(Signalling, OpenWelcomesInGstAndUnknownButNotNvidia) {
  SignallingConnection gst("a", "p", "", Dialect::Gst);
  SignallingConnection nvidia("b", "p", "", Dialect::Nvidia);
  ASSERT_EQ(gst.on_open().replies.size(), 1u);
  EXPECT_EQ(expect_object(gst.on_open().replies[0])["peerId"].str(), "a");
  EXPECT_TRUE(nvidia.on_open().replies.empty());
  EXPECT_EQ(nvidia.dialect(), Dialect::Nvidia);
}

TEST_F(GstSignalling, SetPeerStatusAnswersPeerStatusChangedWithOwnIdRolesAndMeta) {
  SignallingOutput out = conn.on_text(
      R"({"type":"setPeerStatus","roles":["listener"],"meta":{"name":"viewer"},"x":1})");
  ASSERT_EQ(out.replies.size(), 1u);
  EXPECT_TRUE(out.requests.empty());
  EXPECT_TRUE(out.log.empty());
  Json f = expect_object(out.replies[0]);
  EXPECT_EQ(f.keys(), (std::set<std::string>{"type", "roles", "meta", "peerId"}));
  EXPECT_EQ(f["type"].str(), "peerStatusChanged");
  EXPECT_EQ(f["peerId"].str(), kPeer);
  EXPECT_EQ(f.expect_array("roles"), (std::vector<std::string>{"\"listener\""}));
  EXPECT_EQ(f.expect_object("meta")["name"].str(), "viewer");
  EXPECT_EQ(conn.dialect(), Dialect::Gst);
}

TEST_F(GstSignalling, SetPeerStatusWithoutRolesOrMetaGivesEmptyRolesAndNullMeta) {
  SignallingOutput out = conn.on_text(R"({"type":"setPeerStatus","meta":null})");
  ASSERT_EQ(out.replies.size(), 1u);
  Json f = expect_object(out.replies[0]);
  EXPECT_TRUE(f.expect_array("roles").empty());
  EXPECT_TRUE(f["meta"].is_null());
  EXPECT_EQ(f["peerId"].str(), kPeer);
}

TEST_F(GstSignalling, SetPeerStatusWithWrongFieldTypesIsRejected) {
  expect_rejected(conn.on_text(R"({"type":"setPeerStatus","roles":"listener"})"), "roles");
  expect_rejected(conn.on_text(R"({"type":"setPeerStatus","roles":["listener",3]})"), "roles");
  expect_rejected(conn.on_text(R"({"type":"setPeerStatus","roles":[],"meta":"viewer"})"), "meta");
  expect_rejected(conn.on_text(R"({"type":"setPeerStatus","meta":[1]})"), "meta");
}

TEST_F(GstSignalling, ListNamesTheProducerWithItsMeta) {
  SignallingOutput out = conn.on_text(R"({"type":"list","extra":{"ignored":true}})");
  ASSERT_EQ(out.replies.size(), 1u);
  EXPECT_TRUE(out.requests.empty());
  Json f = expect_object(out.replies[0]);
  EXPECT_EQ(f.keys(), (std::set<std::string>{"type", "producers"}));
  EXPECT_EQ(f["type"].str(), "list");
  std::vector<std::string> producers = f.expect_array("producers");
  ASSERT_EQ(producers.size(), 1u);
  Json producer = expect_object(producers[0]);
  EXPECT_EQ(producer.keys(), (std::set<std::string>{"id", "meta"}));
  EXPECT_EQ(producer["id"].str(), kProducer);
  EXPECT_EQ(producer.expect_object("meta")["name"].str(), "desktop");
}

TEST(Signalling, ListGivesNullMetaWhenProducerMetaIsEmptyOrNotAnObject) {
  for (const char* meta : {"", "not json", "[1,2]", "\"text\""}) {
    SignallingConnection conn("peer", "prod", meta);
    SignallingOutput out = conn.on_text(R"({"type":"list"})");
    ASSERT_EQ(out.replies.size(), 1u);
    std::vector<std::string> producers = expect_object(out.replies[0]).expect_array("producers");
    ASSERT_EQ(producers.size(), 1u) << meta;
    EXPECT_TRUE(expect_object(producers[0])["meta"].is_null()) << meta;
    EXPECT_EQ(expect_object(producers[0])["id"].str(), "prod");
  }
}

TEST_F(GstSignalling, ListConsumersAnswersEmptyArrayAndKeepsSocket) {
  SignallingOutput out = conn.on_text(R"({"type":"listConsumers"})");
  ASSERT_EQ(out.replies.size(), 1u);
  Json f = expect_object(out.replies[0]);
  EXPECT_EQ(f.keys(), (std::set<std::string>{"type", "consumers"}));
  EXPECT_EQ(f["type"].str(), "listConsumers");
  EXPECT_TRUE(f.expect_array("consumers").empty());
  EXPECT_FALSE(out.close_reason.has_value());
  EXPECT_TRUE(out.requests.empty());
}

/* ---- Gst dialect: starting sessions ---- */

TEST_F(GstSignalling, StartSessionRequestsStartWithClientMeta) {
  conn.on_text(R"({"type":"setPeerStatus","roles":["listener"],"meta":{"name":"viewer","n":3}})");
  SignallingOutput out = conn.on_text(R"({"type":"startSession","peerId":"producer-1"})");
  EXPECT_TRUE(out.replies.empty());
  ASSERT_EQ(out.requests.size(), 1u);
  const SignallingRequest& r = out.requests[0];
  EXPECT_EQ(r.kind, Kind::StartSession);
  EXPECT_EQ(r.session_id, "");
  Json meta = expect_object(r.peer_meta);
  EXPECT_EQ(meta["name"].str(), "viewer");
  EXPECT_EQ(meta["n"].num(), 3);
  EXPECT_TRUE(conn.sessions().empty());
}

TEST_F(GstSignalling, StartSessionWithoutStatusHasEmptyPeerMeta) {
  SignallingOutput out = conn.on_text(R"({"type":"startSession","peerId":"producer-1"})");
  ASSERT_EQ(out.requests.size(), 1u);
  EXPECT_EQ(out.requests[0].peer_meta, "");
}

TEST_F(GstSignalling, AcceptSessionSendsSessionStartedAndRecordsSession) {
  Json f = expect_object(start("s1"));
  EXPECT_EQ(f.keys(), (std::set<std::string>{"type", "peerId", "sessionId"}));
  EXPECT_EQ(f["type"].str(), "sessionStarted");
  EXPECT_EQ(f["peerId"].str(), kProducer);
  EXPECT_EQ(f["sessionId"].str(), "s1");
  EXPECT_EQ(conn.sessions(), (std::vector<std::string>{"s1"}));
  // The same id again is refused quietly.
  EXPECT_TRUE(conn.accept_session("s1").empty());
  EXPECT_TRUE(conn.accept_session("").empty());
  EXPECT_EQ(conn.sessions(), (std::vector<std::string>{"s1"}));
}

TEST_F(GstSignalling, StartSessionForAnotherPeerIdIsRejected) {
  expect_rejected(conn.on_text(R"({"type":"startSession","peerId":"someone-else"})"),
                  "someone-else");
  // Not pending: a proper start still works.
  start("s1");
  EXPECT_EQ(conn.sessions().size(), 1u);
}

TEST_F(GstSignalling, StartSessionWithMissingOrNonStringPeerIdIsRejected) {
  expect_rejected(conn.on_text(R"({"type":"startSession"})"), "peerId");
  expect_rejected(conn.on_text(R"({"type":"startSession","peerId":7})"), "peerId");
  expect_rejected(conn.on_text(R"({"type":"startSession","peerId":null})"), "peerId");
}

TEST_F(GstSignalling, StartSessionWithClientOfferIsRejected) {
  expect_rejected(
      conn.on_text(R"({"type":"startSession","peerId":"producer-1","offer":"v=0\r\n"})"),
      "client offers are not supported");
}

TEST_F(GstSignalling, SecondStartWhilePendingIsRejectedButAllowedAfterAccept) {
  ASSERT_EQ(conn.on_text(R"({"type":"startSession","peerId":"producer-1"})").requests.size(), 1u);
  expect_rejected(conn.on_text(R"({"type":"startSession","peerId":"producer-1"})"), "pending");
  conn.accept_session("s1");
  SignallingOutput out = conn.on_text(R"({"type":"startSession","peerId":"producer-1"})");
  ASSERT_EQ(out.requests.size(), 1u);
  EXPECT_EQ(out.requests[0].kind, Kind::StartSession);
  conn.accept_session("s2");
  EXPECT_EQ(conn.sessions(), (std::vector<std::string>{"s1", "s2"}));
}

TEST_F(GstSignalling, RefuseSessionSendsErrorAndClearsPending) {
  conn.on_text(R"({"type":"startSession","peerId":"producer-1"})");
  std::vector<std::string> frames = conn.refuse_session("busy: one viewer at a time");
  ASSERT_EQ(frames.size(), 1u);
  Json f = expect_object(frames[0]);
  EXPECT_EQ(f["type"].str(), "error");
  EXPECT_EQ(f["details"].str(), "busy: one viewer at a time");
  EXPECT_TRUE(conn.sessions().empty());
  EXPECT_EQ(conn.on_text(R"({"type":"startSession","peerId":"producer-1"})").requests.size(), 1u);
}

TEST_F(GstSignalling, ErrorSendsErrorFrame) {
  std::vector<std::string> frames = conn.error("pipeline failed");
  ASSERT_EQ(frames.size(), 1u);
  Json f = expect_object(frames[0]);
  EXPECT_EQ(f.keys(), (std::set<std::string>{"type", "details"}));
  EXPECT_EQ(f["type"].str(), "error");
  EXPECT_EQ(f["details"].str(), "pipeline failed");
}

/* ---- Gst dialect: offer, ICE, answers ---- */

TEST_F(GstSignalling, SendOfferIsPeerWithSdpObject) {
  start("s1");
  std::vector<std::string> frames = conn.send_offer("s1", kOffer);
  ASSERT_EQ(frames.size(), 1u);
  Json f = expect_object(frames[0]);
  EXPECT_EQ(f.keys(), (std::set<std::string>{"type", "sessionId", "sdp"}));
  EXPECT_EQ(f["type"].str(), "peer");
  EXPECT_EQ(f["sessionId"].str(), "s1");
  Json sdp = f.expect_object("sdp");
  EXPECT_EQ(sdp["type"].str(), "offer");
  EXPECT_EQ(sdp["sdp"].str(), kOffer);
}

TEST_F(GstSignalling, SendIceIsPeerWithIceObject) {
  start("s1");
  std::vector<std::string> frames =
      conn.send_ice("s1", IceCandidate{"candidate:1 1 UDP 1 10.0.0.1 48000 typ host", 1, "video1"});
  ASSERT_EQ(frames.size(), 1u);
  Json f = expect_object(frames[0]);
  EXPECT_EQ(f.keys(), (std::set<std::string>{"type", "sessionId", "ice"}));
  EXPECT_EQ(f["type"].str(), "peer");
  EXPECT_EQ(f["sessionId"].str(), "s1");
  Json ice = f.expect_object("ice");
  EXPECT_EQ(ice["candidate"].str(), "candidate:1 1 UDP 1 10.0.0.1 48000 typ host");
  EXPECT_EQ(ice["sdpMLineIndex"].num(), 1);
  EXPECT_EQ(ice["sdpMid"].str(), "video1");
}

TEST_F(GstSignalling, SendIceWithoutMidOmitsItAndEmptyCandidateMeansEnd) {
  start("s1");
  std::vector<std::string> frames = conn.send_ice("s1", IceCandidate{"", 0, ""});
  ASSERT_EQ(frames.size(), 1u);
  Json ice = expect_object(frames[0]).expect_object("ice");
  EXPECT_EQ(ice.keys(), (std::set<std::string>{"candidate", "sdpMLineIndex"}));
  EXPECT_TRUE(ice["candidate"].is_string());
  EXPECT_EQ(ice["candidate"].str(), "");
  EXPECT_EQ(ice["sdpMLineIndex"].num(), 0);
}

TEST_F(GstSignalling, StreamerFramesForUnknownSessionsAreNotSent) {
  start("s1");
  EXPECT_TRUE(conn.send_offer("other", kOffer).empty());
  EXPECT_TRUE(conn.send_ice("other", IceCandidate{"candidate:x", 0, ""}).empty());
  EXPECT_TRUE(conn.end_session("other").empty());
  EXPECT_EQ(conn.sessions(), (std::vector<std::string>{"s1"}));
}

TEST_F(GstSignalling, ClientAnswerBecomesRemoteAnswer) {
  start("s1");
  SignallingOutput out =
      peer("s1", R"("sdp":{"type":"answer","sdp":"v=0\r\no=- 2 2 IN IP4 0.0.0.0\r\n"})");
  EXPECT_TRUE(out.replies.empty());
  EXPECT_TRUE(out.log.empty());
  ASSERT_EQ(out.requests.size(), 1u);
  EXPECT_EQ(out.requests[0].kind, Kind::RemoteAnswer);
  EXPECT_EQ(out.requests[0].session_id, "s1");
  EXPECT_EQ(out.requests[0].sdp, kAnswer);
}

TEST_F(GstSignalling, ClientOfferInPeerIsRefused) {
  start("s1");
  expect_rejected(peer("s1", R"("sdp":{"type":"offer","sdp":"v=0\r\n"})"),
                  "offers from clients are refused");
}

TEST_F(GstSignalling, MalformedSdpInPeerIsRejected) {
  start("s1");
  expect_rejected(peer("s1", R"("sdp":{"type":"pranswer","sdp":"v=0"})"), "pranswer");
  expect_rejected(peer("s1", R"("sdp":"v=0")"), "sdp");
  expect_rejected(peer("s1", R"("sdp":{"type":"answer"})"), "sdp");
  expect_rejected(peer("s1", R"("sdp":{"type":"answer","sdp":5})"), "sdp");
}

TEST_F(GstSignalling, ClientIceWithExtraFieldsBecomesRemoteIce) {
  start("s1");
  SignallingOutput out = peer(
      "s1",
      R"("ice":{"candidate":"candidate:2 1 UDP 5 192.0.2.1 5000 typ host","sdpMLineIndex":2,"sdpMid":"2","usernameFragment":"abcd"})");
  EXPECT_TRUE(out.replies.empty());
  ASSERT_EQ(out.requests.size(), 1u);
  const SignallingRequest& r = out.requests[0];
  EXPECT_EQ(r.kind, Kind::RemoteIce);
  EXPECT_EQ(r.session_id, "s1");
  EXPECT_EQ(r.ice.candidate, "candidate:2 1 UDP 5 192.0.2.1 5000 typ host");
  EXPECT_EQ(r.ice.mline_index, 2u);
  EXPECT_EQ(r.ice.sdp_mid, "2");
}

TEST_F(GstSignalling, ClientIceWithoutOrNullMLineIndexReadsAsZero) {
  start("s1");
  for (const char* ice :
       {R"("ice":{"candidate":"candidate:3","sdpMid":"audio1"})",
        R"("ice":{"candidate":"candidate:3","sdpMLineIndex":null,"sdpMid":"audio1"})"}) {
    SignallingOutput out = peer("s1", ice);
    ASSERT_EQ(out.requests.size(), 1u) << ice;
    EXPECT_EQ(out.requests[0].ice.mline_index, 0u);
    EXPECT_EQ(out.requests[0].ice.sdp_mid, "audio1");
    EXPECT_EQ(out.requests[0].ice.candidate, "candidate:3");
  }
}

TEST_F(GstSignalling, ClientIceWithWrongTypesIsRejected) {
  start("s1");
  expect_rejected(peer("s1", R"("ice":{"candidate":"c","sdpMLineIndex":"0"})"), "sdpMLineIndex");
  expect_rejected(peer("s1", R"("ice":{"candidate":"c","sdpMLineIndex":-1})"), "sdpMLineIndex");
  expect_rejected(peer("s1", R"("ice":{"candidate":"c","sdpMLineIndex":0.5})"), "sdpMLineIndex");
  expect_rejected(peer("s1", R"("ice":{"sdpMLineIndex":0})"), "candidate");
  expect_rejected(peer("s1", R"("ice":{"candidate":7})"), "candidate");
  expect_rejected(peer("s1", R"("ice":{"candidate":"c","sdpMid":0})"), "sdpMid");
  expect_rejected(peer("s1", R"("ice":"candidate:1")"), "ice");
}

TEST_F(GstSignalling, PeerNeedsExactlyOneOfSdpAndIce) {
  start("s1");
  expect_rejected(peer("s1", R"("x":1)"), "exactly one");
  expect_rejected(peer("s1", R"("sdp":{"type":"answer","sdp":"v=0"},"ice":{"candidate":"c"})"),
                  "exactly one");
}

TEST_F(GstSignalling, PeerForUnknownSessionIsRejectedAndChangesNothing) {
  start("s1");
  expect_rejected(peer("nope", R"("sdp":{"type":"answer","sdp":"v=0"})"), "nope");
  expect_rejected(conn.on_text(R"({"type":"peer","sessionId":5,"ice":{"candidate":"c"}})"),
                  "sessionId");
  expect_rejected(conn.on_text(R"({"type":"peer","ice":{"candidate":"c"}})"), "sessionId");
  EXPECT_EQ(conn.sessions(), (std::vector<std::string>{"s1"}));
}

TEST_F(GstSignalling, PeerBeforeAcceptIsRejected) {
  conn.on_text(R"({"type":"startSession","peerId":"producer-1"})");
  expect_rejected(peer("s1", R"("ice":{"candidate":"c"})"), "unknown session");
}

/* ---- Gst dialect: ending sessions ---- */

TEST_F(GstSignalling, ClientEndSessionRequestsEndAndForgetsSession) {
  start("s1");
  start("s2");
  SignallingOutput out = conn.on_text(R"({"type":"endSession","sessionId":"s1"})");
  EXPECT_TRUE(out.replies.empty());
  ASSERT_EQ(out.requests.size(), 1u);
  EXPECT_EQ(out.requests[0].kind, Kind::EndSession);
  EXPECT_EQ(out.requests[0].session_id, "s1");
  EXPECT_EQ(conn.sessions(), (std::vector<std::string>{"s2"}));
  // Ended: a second endSession or a late peer message is an error.
  expect_rejected(conn.on_text(R"({"type":"endSession","sessionId":"s1"})"), "s1");
  expect_rejected(peer("s1", R"("ice":{"candidate":"c"})"), "s1");
  EXPECT_TRUE(conn.send_offer("s1", kOffer).empty());
}

TEST_F(GstSignalling, ServerEndSessionSendsEndSessionAndAcceptsEchoQuietly) {
  start("s1");
  std::vector<std::string> frames = conn.end_session("s1");
  ASSERT_EQ(frames.size(), 1u);
  Json f = expect_object(frames[0]);
  EXPECT_EQ(f.keys(), (std::set<std::string>{"type", "sessionId"}));
  EXPECT_EQ(f["type"].str(), "endSession");
  EXPECT_EQ(f["sessionId"].str(), "s1");
  EXPECT_TRUE(conn.sessions().empty());

  expect_silent(conn.on_text(R"({"type":"endSession","sessionId":"s1"})"));
  // Only the one echo is expected.
  expect_rejected(conn.on_text(R"({"type":"endSession","sessionId":"s1"})"), "s1");
}

TEST_F(GstSignalling, EndSessionForUnknownOrBadSessionIdIsRejected) {
  expect_rejected(conn.on_text(R"({"type":"endSession","sessionId":"ghost"})"), "ghost");
  expect_rejected(conn.on_text(R"({"type":"endSession"})"), "sessionId");
  expect_rejected(conn.on_text(R"({"type":"endSession","sessionId":["s1"]})"), "sessionId");
}

/* ---- Gst dialect: malformed input ---- */

TEST_F(GstSignalling, UnknownTypeIsRejectedNamingTheType) {
  expect_rejected(conn.on_text(R"({"type":"endSessionV1_1","sessionId":"s1"})"),
                  "\"endSessionV1_1\"");
  EXPECT_EQ(conn.dialect(), Dialect::Gst);
}

TEST_F(GstSignalling, LongUnknownTypeIsShortenedInError) {
  std::string type(5000, 'x');
  SignallingOutput out = conn.on_text(R"({"type":")" + type + "\"}");
  ASSERT_EQ(out.replies.size(), 1u);
  std::string details = expect_object(out.replies[0])["details"].str();
  EXPECT_NE(details.find("xxxx"), std::string::npos);
  EXPECT_LT(details.size(), 200u);
  EXPECT_LT(out.log.size(), 200u);
}

TEST_F(GstSignalling, MalformedJsonIsRejectedWithReason) {
  expect_rejected(conn.on_text("{\"type\":\"list\""), "invalid JSON");
  expect_rejected(conn.on_text("not json at all"), "invalid JSON");
  expect_rejected(conn.on_text("{\"type\":\"list\"} trailing"), "invalid JSON");
  expect_rejected(conn.on_text("{\"type\":\"\xff\"}"), "invalid JSON");
  expect_rejected(conn.on_text(""), "empty");
  expect_rejected(conn.on_text("   "), "empty");
}

TEST_F(GstSignalling, NonObjectMessagesAreRejected) {
  for (const char* text : {"[]", "[{\"type\":\"list\"}]", "\"list\"", "42", "null", "true"})
    expect_rejected(conn.on_text(text), "not a JSON object");
}

TEST_F(GstSignalling, MissingOrNonStringTypeIsRejected) {
  expect_rejected(conn.on_text("{}"), "type");
  expect_rejected(conn.on_text(R"({"type":3})"), "type");
  expect_rejected(conn.on_text(R"({"type":null})"), "type");
  expect_rejected(conn.on_text(R"({"type":{"name":"list"}})"), "type");
}

TEST_F(GstSignalling, DeeplyNestedJsonIsRejectedWithoutCrashing) {
  std::string deep =
      "{\"type\":\"list\",\"x\":" + std::string(200000, '[') + std::string(200000, ']') + "}";
  expect_rejected(conn.on_text(deep), "nested");
  // Brackets inside strings do not count.
  std::string brackets = R"({"type":"list","x":")" + std::string(1000, '[') + "\"}";
  SignallingOutput out = conn.on_text(brackets);
  ASSERT_EQ(out.replies.size(), 1u);
  EXPECT_EQ(expect_object(out.replies[0])["type"].str(), "list");
}

TEST(Signalling, OversizedMessageIsRejectedAndClosesSocket) {
  SignallingLimits limits;
  limits.max_message_bytes = 64;
  SignallingConnection conn(kPeer, kProducer, "", Dialect::Unknown, limits);
  std::string exact = R"({"type":"list","pad":")";
  exact += std::string(64 - exact.size() - 2, 'a') + "\"}";
  ASSERT_EQ(exact.size(), 64u);
  SignallingOutput ok = conn.on_text(exact);
  EXPECT_FALSE(ok.close_reason.has_value());
  ASSERT_EQ(ok.replies.size(), 1u);
  EXPECT_EQ(expect_object(ok.replies[0])["type"].str(), "list");

  SignallingOutput out = conn.on_text(exact + " ");
  ASSERT_EQ(out.replies.size(), 1u);
  expect_gst_error(out.replies[0], "65 bytes");
  ASSERT_TRUE(out.close_reason.has_value());
  EXPECT_FALSE(out.close_reason->empty());
  EXPECT_TRUE(out.requests.empty());
  EXPECT_FALSE(out.log.empty());
}

TEST_F(GstSignalling, ErrorsLeaveSessionsAlone) {
  start("s1");
  conn.on_text("garbage");
  conn.on_text(R"({"type":"whatever"})");
  conn.on_text(R"({"type":"endSession","sessionId":"other"})");
  EXPECT_EQ(conn.sessions(), (std::vector<std::string>{"s1"}));
  ASSERT_EQ(conn.send_offer("s1", kOffer).size(), 1u);
}

TEST(Signalling, PeerInfoOnGstConnectionIsJustAMessageWithoutType) {
  SignallingConnection conn(kPeer, kProducer, "", Dialect::Gst);
  expect_rejected(conn.on_text(R"({"ackid":1,"peer_info":{"name":"peer-1"}})"), "type");
  EXPECT_EQ(conn.dialect(), Dialect::Gst);
}

TEST(Signalling, GstMessageFixesUnknownDialect) {
  SignallingConnection conn(kPeer, kProducer);
  EXPECT_EQ(conn.dialect(), Dialect::Unknown);
  conn.on_text("garbage");  // errors do not decide the dialect
  EXPECT_EQ(conn.dialect(), Dialect::Unknown);
  conn.on_text(R"({"type":"list"})");
  EXPECT_EQ(conn.dialect(), Dialect::Gst);
  // Once Gst, a peer_info message no longer switches to NVIDIA framing.
  expect_rejected(conn.on_text(R"({"ackid":1,"peer_info":{"name":"peer-1"}})"), "type");
  EXPECT_EQ(conn.dialect(), Dialect::Gst);
}

/* ---- NVIDIA dialect ---- */

constexpr const char* kPeerInfo =
    R"({"ackid":1,"peer_info":{"browser":"Chrome","connected":true,"id":2,"name":"peer-123","peerRole":0,"resolution":"1920x1080","version":2}})";

class NvidiaSignalling : public ::testing::Test {
 protected:
  SignallingConnection conn{kPeer, kProducer, ""};

  /* peer_info + accept_session(id). */
  void start(const std::string& id, const char* peer_info = kPeerInfo) {
    SignallingOutput out = conn.on_text(peer_info);
    ASSERT_EQ(out.requests.size(), 1u);
    EXPECT_TRUE(conn.accept_session(id).empty());
  }
  /* A client peer_msg carrying msg_json as a string, with ackid. */
  SignallingOutput client_msg(const std::string& msg_json, int ackid = 9) {
    return conn.on_text(
        "{\"ackid\":" + std::to_string(ackid) +
        ",\"peer_msg\":{\"from\":2,\"to\":1,\"msg\":" + nvcftest::json_quote(msg_json) + "}}");
  }
};

/* The frame is our peer_msg: returns its parsed msg after checking the envelope. */
Json expect_peer_msg(const std::string& frame, int64_t ackid, int64_t to = 2) {
  Json f = expect_object(frame);
  EXPECT_EQ(f.keys(), (std::set<std::string>{"ackid", "peer_msg"}));
  EXPECT_EQ(f["ackid"].num(), ackid);
  Json pm = f.expect_object("peer_msg");
  EXPECT_EQ(pm.keys(), (std::set<std::string>{"from", "to", "msg"}));
  EXPECT_EQ(pm["from"].num(), 1);
  EXPECT_EQ(pm["to"].num(), to);
  return expect_object(pm["msg"].str());
}

/* Only an {"ack":N} reply, nothing else. */
void expect_only_ack(const SignallingOutput& out, int64_t ackid) {
  ASSERT_EQ(out.replies.size(), 1u);
  Json f = expect_object(out.replies[0]);
  EXPECT_EQ(f.keys(), (std::set<std::string>{"ack"}));
  EXPECT_EQ(f["ack"].num(), ackid);
}

TEST_F(NvidiaSignalling, PeerInfoSelectsNvidiaAcksAndRequestsStart) {
  SignallingOutput out = conn.on_text(kPeerInfo);
  EXPECT_EQ(conn.dialect(), Dialect::Nvidia);
  expect_only_ack(out, 1);
  ASSERT_EQ(out.requests.size(), 1u);
  EXPECT_EQ(out.requests[0].kind, Kind::StartSession);
  EXPECT_EQ(out.requests[0].session_id, "");
  Json meta = expect_object(out.requests[0].peer_meta);
  EXPECT_EQ(meta["name"].str(), "peer-123");
  EXPECT_EQ(meta["resolution"].str(), "1920x1080");
  EXPECT_EQ(meta["id"].num(), 2);
  EXPECT_EQ(conn.client_identity(), "peer-123");
  EXPECT_TRUE(out.log.empty());
}

TEST_F(NvidiaSignalling, PeerInfoWithoutNameOrAckidUsesPeerId) {
  SignallingOutput out = conn.on_text(R"({"peer_info":{"id":2}})");
  EXPECT_TRUE(out.replies.empty());
  ASSERT_EQ(out.requests.size(), 1u);
  EXPECT_EQ(conn.client_identity(), kPeer);
}

TEST_F(NvidiaSignalling, PeerInfoThatIsNotAnObjectGetsError) {
  SignallingConnection nv(kPeer, kProducer, "", Dialect::Nvidia);
  expect_nvidia_error(nv.on_text(R"({"ackid":4,"peer_info":"peer-1"})"),
                      "peer_info must be an object", 4);
  EXPECT_EQ(nv.client_identity(), "");
}

TEST_F(NvidiaSignalling, RepeatedPeerInfoIsAckedButIgnored) {
  start("n1");
  SignallingOutput out = conn.on_text(R"({"ackid":5,"peer_info":{"name":"again"}})");
  expect_only_ack(out, 5);
  EXPECT_TRUE(out.requests.empty());
  EXPECT_FALSE(out.log.empty());
  EXPECT_EQ(conn.client_identity(), "peer-123");
}

TEST_F(NvidiaSignalling, HeartbeatIsAnsweredAndAckidAcked) {
  SignallingConnection nv(kPeer, kProducer, "", Dialect::Nvidia);
  SignallingOutput hb = nv.on_text(R"({"hb":1})");
  ASSERT_EQ(hb.replies.size(), 1u);
  Json f = expect_object(hb.replies[0]);
  EXPECT_EQ(f.keys(), (std::set<std::string>{"hb"}));
  EXPECT_EQ(f["hb"].num(), 1);
  EXPECT_TRUE(hb.requests.empty());
  EXPECT_TRUE(hb.log.empty());

  SignallingOutput both = nv.on_text(R"({"ackid":17,"hb":1})");
  ASSERT_EQ(both.replies.size(), 2u);
  EXPECT_EQ(expect_object(both.replies[0])["ack"].num(), 17);
  EXPECT_EQ(expect_object(both.replies[1])["hb"].num(), 1);
}

TEST_F(NvidiaSignalling, AckFromClientIsAcceptedQuietlyAndUnknownIsLogged) {
  SignallingConnection nv(kPeer, kProducer, "", Dialect::Nvidia);
  expect_silent(nv.on_text(R"({"ack":3})"));
  expect_nvidia_error(nv.on_text(R"({"something":"else"})"), "peer_info, peer_msg");
  expect_only_ack(nv.on_text(R"({"ackid":8,"something":"else"})"), 8);
}

TEST_F(NvidiaSignalling, AcceptRecordsSingleSessionWithoutFrames) {
  start("n1");
  EXPECT_EQ(conn.sessions(), (std::vector<std::string>{"n1"}));
  EXPECT_TRUE(conn.accept_session("n2").empty());
  EXPECT_EQ(conn.sessions(), (std::vector<std::string>{"n1"}));
}

TEST_F(NvidiaSignalling, SendOfferIsPeerMsgWithSdpAsJsonString) {
  start("n1");
  std::vector<std::string> frames = conn.send_offer("n1", kOffer);
  ASSERT_EQ(frames.size(), 1u);
  Json msg = expect_peer_msg(frames[0], 1);
  EXPECT_EQ(msg.keys(), (std::set<std::string>{"type", "sdp"}));
  EXPECT_EQ(msg["type"].str(), "offer");
  EXPECT_EQ(msg["sdp"].str(), kOffer);
}

TEST_F(NvidiaSignalling, SendIceIsPeerMsgAndAckidsIncrease) {
  start("n1", R"({"peer_info":{"id":7,"name":"p"}})");
  ASSERT_EQ(conn.send_offer("n1", kOffer).size(), 1u);
  std::vector<std::string> frames =
      conn.send_ice("n1", IceCandidate{"candidate:1 1 UDP 9 10.0.0.2 47998 typ host", 0, "0"});
  ASSERT_EQ(frames.size(), 1u);
  Json msg = expect_peer_msg(frames[0], 2, 7);
  EXPECT_EQ(msg.keys(), (std::set<std::string>{"candidate", "sdpMid", "sdpMLineIndex"}));
  EXPECT_EQ(msg["candidate"].str(), "candidate:1 1 UDP 9 10.0.0.2 47998 typ host");
  EXPECT_EQ(msg["sdpMid"].str(), "0");
  EXPECT_EQ(msg["sdpMLineIndex"].num(), 0);

  frames = conn.send_ice("n1", IceCandidate{"candidate:2", 1, ""});
  ASSERT_EQ(frames.size(), 1u);
  Json no_mid = expect_peer_msg(frames[0], 3, 7);
  EXPECT_TRUE(no_mid["sdpMid"].is_null());
  EXPECT_EQ(no_mid["sdpMLineIndex"].num(), 1);
  EXPECT_TRUE(conn.send_ice("other", IceCandidate{"candidate:3", 0, ""}).empty());
}

TEST_F(NvidiaSignalling, ClientAnswerBecomesRemoteAnswer) {
  start("n1");
  SignallingOutput out = client_msg(
      R"({"type":"answer","sdp":"v=0\r\no=- 2 2 IN IP4 0.0.0.0\r\n","nvstSdp":"v=0\r\n"})", 3);
  expect_only_ack(out, 3);
  ASSERT_EQ(out.requests.size(), 1u);
  EXPECT_EQ(out.requests[0].kind, Kind::RemoteAnswer);
  EXPECT_EQ(out.requests[0].session_id, "n1");
  EXPECT_EQ(out.requests[0].sdp, kAnswer);
  EXPECT_TRUE(out.log.empty());
}

TEST_F(NvidiaSignalling, ClientCandidateBecomesRemoteIce) {
  start("n1");
  SignallingOutput out = client_msg(
      R"({"candidate":"candidate:5 1 UDP 3 198.51.100.4 6000 typ srflx","sdpMid":"1","sdpMLineIndex":1})",
      4);
  expect_only_ack(out, 4);
  ASSERT_EQ(out.requests.size(), 1u);
  const SignallingRequest& r = out.requests[0];
  EXPECT_EQ(r.kind, Kind::RemoteIce);
  EXPECT_EQ(r.session_id, "n1");
  EXPECT_EQ(r.ice.candidate, "candidate:5 1 UDP 3 198.51.100.4 6000 typ srflx");
  EXPECT_EQ(r.ice.sdp_mid, "1");
  EXPECT_EQ(r.ice.mline_index, 1u);
}

TEST_F(NvidiaSignalling, ClientMsgAsObjectIsAcceptedToo) {
  start("n1");
  SignallingOutput out =
      conn.on_text(R"({"peer_msg":{"from":2,"to":1,"msg":{"type":"answer","sdp":"v=1"}}})");
  ASSERT_EQ(out.requests.size(), 1u);
  EXPECT_EQ(out.requests[0].sdp, "v=1");
}

TEST_F(NvidiaSignalling, InvalidMsgGetsErrorAfterAck) {
  start("n1");
  for (const char* bad : {"{not json", "[1,2]", "\"BYE\""}) {
    SCOPED_TRACE(bad);
    expect_nvidia_error(client_msg(bad, 6), "peer_msg", 6);
  }
  expect_nvidia_error(conn.on_text(R"({"peer_msg":{"from":2,"to":1}})"), "peer_msg");
  expect_nvidia_error(conn.on_text(R"({"peer_msg":{"msg":5}})"), "peer_msg");
  EXPECT_EQ(conn.sessions(), (std::vector<std::string>{"n1"}));
}

TEST_F(NvidiaSignalling, ClientOfferAndBadCandidatesGetErrorAfterAck) {
  start("n1");
  for (const char* bad :
       {R"({"type":"offer","sdp":"v=0"})", R"({"type":"answer"})",
        R"({"candidate":"c","sdpMLineIndex":"x"})", R"({"candidate":1})", R"({"other":true})"}) {
    SCOPED_TRACE(bad);
    expect_nvidia_error(client_msg(bad, 2), "peer_msg", 2);
  }
  EXPECT_EQ(conn.sessions(), (std::vector<std::string>{"n1"}));
}

TEST_F(NvidiaSignalling, PeerMsgBeforeAcceptIsIgnored) {
  ASSERT_EQ(conn.on_text(kPeerInfo).requests.size(), 1u);
  SignallingOutput out = client_msg(R"({"type":"answer","sdp":"v=0"})", 2);
  expect_only_ack(out, 2);
  EXPECT_TRUE(out.requests.empty());
  EXPECT_FALSE(out.log.empty());
}

TEST_F(NvidiaSignalling, ServerEndSessionSendsByeAndForgetsSession) {
  start("n1");
  std::vector<std::string> frames = conn.end_session("n1");
  ASSERT_EQ(frames.size(), 1u);
  Json msg = expect_peer_msg(frames[0], 1);
  EXPECT_EQ(msg.keys(), (std::set<std::string>{"type"}));
  EXPECT_EQ(msg["type"].str(), "bye");
  EXPECT_TRUE(conn.sessions().empty());
  SignallingOutput late = client_msg(R"({"candidate":"c","sdpMLineIndex":0})", 3);
  EXPECT_TRUE(late.requests.empty());
  EXPECT_TRUE(conn.end_session("n1").empty());
}

TEST_F(NvidiaSignalling, ClientByeEndsSession) {
  start("n1");
  SignallingOutput out = client_msg(R"({"type":"bye"})", 5);
  expect_only_ack(out, 5);
  ASSERT_EQ(out.requests.size(), 1u);
  EXPECT_EQ(out.requests[0].kind, Kind::EndSession);
  EXPECT_EQ(out.requests[0].session_id, "n1");
  EXPECT_TRUE(conn.sessions().empty());
}

TEST_F(NvidiaSignalling, RefuseAndErrorSendErrorFrames) {
  ASSERT_EQ(conn.on_text(kPeerInfo).requests.size(), 1u);
  std::vector<std::string> refused = conn.refuse_session("no capacity");
  ASSERT_EQ(refused.size(), 1u);
  Json f = expect_object(refused[0]);
  EXPECT_EQ(f.keys(), (std::set<std::string>{"error"}));
  EXPECT_EQ(f["error"].str(), "no capacity");

  std::vector<std::string> error = conn.error("pipeline failed");
  ASSERT_EQ(error.size(), 1u);
  EXPECT_EQ(expect_object(error[0])["error"].str(), "pipeline failed");
  EXPECT_EQ(expect_object(error[0]).keys(), (std::set<std::string>{"error"}));
}

/* Each malformed frame gets {"error":..}; the connection keeps working. */
TEST_F(NvidiaSignalling, MalformedFramesGetErrorFrame) {
  SignallingConnection nv(kPeer, kProducer, "", Dialect::Nvidia);
  for (const char* bad : {"{oops", "[]", "", "\"hb\""}) {
    SCOPED_TRACE(bad);
    expect_nvidia_error(nv.on_text(bad), "");
  }
  expect_nvidia_error(nv.on_text("[]"), "not a JSON object");
  expect_nvidia_error(nv.on_text(R"({"ackid":3,"peer_info":"peer-1"})"),
                      "peer_info must be an object", 3);
  SignallingOutput hb = nv.on_text(R"({"hb":1})");
  ASSERT_EQ(hb.replies.size(), 1u);
  EXPECT_EQ(expect_object(hb.replies[0])["hb"].num(), 1);
  SignallingOutput start = nv.on_text(R"({"ackid":4,"peer_info":{"name":"peer-1"}})");
  expect_only_ack(start, 4);
  ASSERT_EQ(start.requests.size(), 1u);
  EXPECT_EQ(start.requests[0].kind, Kind::StartSession);
}

TEST_F(NvidiaSignalling, OversizedFrameGetsErrorAndClose) {
  SignallingLimits limits;
  limits.max_message_bytes = 16;
  SignallingConnection nv(kPeer, kProducer, "", Dialect::Nvidia, limits);
  SignallingOutput out = nv.on_text(R"({"hb":1,"pad":"xxxxxxxx"})");
  ASSERT_EQ(out.replies.size(), 1u);
  Json f = expect_object(out.replies[0]);
  EXPECT_EQ(f.keys(), (std::set<std::string>{"error"}));
  EXPECT_NE(f["error"].str().find("limit"), std::string::npos);
  ASSERT_TRUE(out.close_reason.has_value());
  EXPECT_FALSE(out.log.empty());
}

TEST_F(NvidiaSignalling, NvidiaFromQueryNeedsNoPeerInfoForHeartbeat) {
  SignallingConnection nv(kPeer, kProducer, "",
                          SignallingConnection::dialect_from_query("peer_id=peer-5&version=2"));
  EXPECT_EQ(nv.dialect(), Dialect::Nvidia);
  EXPECT_TRUE(nv.on_open().replies.empty());
  SignallingOutput out = nv.on_text(R"({"hb":1})");
  ASSERT_EQ(out.replies.size(), 1u);
  EXPECT_EQ(expect_object(out.replies[0])["hb"].num(), 1);
}

TEST_F(NvidiaSignalling, ClientCanStartAgainAfterSessionEnded) {
  start("n1");
  client_msg(R"({"type":"bye"})");
  SignallingOutput out = conn.on_text(R"({"ackid":2,"peer_info":{"name":"peer-123"}})");
  ASSERT_EQ(out.requests.size(), 1u);
  EXPECT_EQ(out.requests[0].kind, Kind::StartSession);
  EXPECT_TRUE(conn.accept_session("n2").empty());
  EXPECT_EQ(conn.sessions(), (std::vector<std::string>{"n2"}));
}

}  // namespace
