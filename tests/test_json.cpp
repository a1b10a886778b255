/* Every parser of the core reads JSON through nvcf::json::parse, whose
 * depth guard stops the stack overflow json-glib's recursive parser hits
 * on deeply nested input (100,000 '[' crashed parse_control_message and
 * parse_input_message). Each parser must answer such input with an error. */
#include <gtest/gtest.h>

#include "control.h"
#include "credentials.h"
#include "input.h"
#include "json.h"
#include "signalling.h"

namespace {

constexpr size_t kDeep = 100000;

std::string deep_arrays(size_t n = kDeep) {
  return std::string(n, '[') + std::string(n, ']');
}
std::string deep_objects(size_t n = kDeep) {
  std::string s;
  for (size_t i = 0; i < n; i++)
    s += "{\"a\":";
  s += "1";
  s += std::string(n, '}');
  return s;
}
/* JSON string literal holding text. */
std::string quoted(const std::string& text) {
  return nvcf::json::quote(text);
}

}  // namespace

TEST(Json, GuardCountsOnlyStructure) {
  using nvcf::json::kMaxDepth;
  EXPECT_EQ(nvcf::json::parse(deep_arrays(kMaxDepth)).error, nvcf::json::ParseError::None);
  auto p = nvcf::json::parse(deep_arrays(kMaxDepth + 1));
  EXPECT_EQ(p.error, nvcf::json::ParseError::TooDeep);
  EXPECT_NE(p.message.find("nested deeper than 32"), std::string::npos) << p.message;
  /* Brackets inside strings, escaped quotes included, are text. */
  std::string in_string = "{\"s\":\"\\\"" + std::string(1000, '[') + "\"}";
  EXPECT_EQ(nvcf::json::parse(in_string).error, nvcf::json::ParseError::None);
  EXPECT_EQ(nvcf::json::parse("").error, nvcf::json::ParseError::Empty);
  EXPECT_EQ(nvcf::json::parse(std::string("{\"a\":1}\0x", 9)).error,
            nvcf::json::ParseError::NulByte);
  EXPECT_EQ(nvcf::json::parse("{").error, nvcf::json::ParseError::Syntax);
}

TEST(Json, ObjectHelperRefusesDeepNesting) {
  for (const std::string& text : {deep_arrays(), deep_objects()}) {
    std::string error;
    EXPECT_FALSE(nvcf::json::parse_object(text, &error));
    EXPECT_NE(error.find("nested deeper"), std::string::npos) << error;
  }
}

TEST(Json, ControlMessageRefusesDeepNesting) {
  for (const std::string& text :
       {deep_arrays(), deep_objects(), R"({"id":1,"request":)" + deep_arrays() + "}",
        /* The request may come wrapped in a JSON string: parsed again. */
        R"({"id":2,"request":)" + quoted(deep_arrays()) + "}",
        R"({"id":3,"request":{"type":"customUpstreamEvent","structureName":"e","structure":)" +
            deep_objects() + "}}"}) {
    nvcf::ControlParse p = nvcf::parse_control_message(text);
    EXPECT_FALSE(p.request);
    EXPECT_NE(p.error.find("nested deeper"), std::string::npos) << p.error;
  }
}

TEST(Json, InputMessageRefusesDeepNesting) {
  for (const std::string& text :
       {deep_arrays(), deep_objects(), R"({"event":"MouseMove","x":)" + deep_arrays() + "}"}) {
    nvcf::InputParse p = nvcf::parse_input_message(text);
    EXPECT_FALSE(p.event);
    EXPECT_NE(p.error.find("nested deeper"), std::string::npos) << p.error;
  }
}

TEST(Json, CredentialsAndEndSessionRefuseDeepNesting) {
  for (const std::string& text : {deep_arrays(), R"({"stunIp":)" + deep_objects() + "}"}) {
    nvcf::CredentialsParse c = nvcf::parse_credentials(text);
    EXPECT_FALSE(c.credentials);
    EXPECT_NE(c.error.find("nested deeper"), std::string::npos) << c.error;
    std::string error;
    EXPECT_FALSE(nvcf::parse_end_session(text, &error));
    EXPECT_NE(error.find("nested deeper"), std::string::npos) << error;
  }
}

TEST(Json, SignallingRefusesDeepNestingInBothDialects) {
  nvcf::SignallingConnection gst("p1", "producer", "", nvcf::Dialect::Gst);
  auto out = gst.on_text(R"({"type":"list","x":)" + deep_arrays() + "}");
  EXPECT_TRUE(out.requests.empty());
  EXPECT_NE(out.log.find("nested deeper"), std::string::npos) << out.log;

  nvcf::SignallingConnection nv("p2", "producer", "", nvcf::Dialect::Nvidia);
  nv.on_text(R"({"peer_info":{"id":2,"name":"n"}})");
  /* peer_msg carries its message as a JSON string, parsed a second time. */
  out = nv.on_text(R"({"peer_msg":{"from":2,"to":1,"msg":)" + quoted(deep_arrays()) + "}}");
  EXPECT_TRUE(out.requests.empty());
  out = nv.on_text(deep_objects());
  EXPECT_TRUE(out.requests.empty());
  EXPECT_NE(out.log.find("nested deeper"), std::string::npos) << out.log;
}

/* What the fuzz targets (fuzz/) found; each input is also in the corpus. */

/* json-glib reads 'single-quoted' strings and comments, which JSON has
 * not; a '"' inside them hid every later bracket from the depth count, and
 * 100,000 '[' after it overflowed the stack again. */
TEST(Json, GuardSeesThroughWhatJsonGlibReadsBeyondJson) {
  for (const std::string& prefix : {std::string("['\"',"), std::string("[/*\"*/")}) {
    nvcf::json::Parsed p = nvcf::json::parse(prefix + std::string(kDeep, '['));
    EXPECT_EQ(p.error, nvcf::json::ParseError::Syntax) << p.message;
    EXPECT_FALSE(nvcf::parse_control_message(prefix + deep_arrays()).request);
    EXPECT_FALSE(nvcf::parse_input_message(prefix + deep_arrays()).event);
  }
  EXPECT_EQ(nvcf::json::parse("['x']").error, nvcf::json::ParseError::Syntax);
  EXPECT_EQ(nvcf::json::parse("[1 /* c */]").error, nvcf::json::ParseError::Syntax);
  EXPECT_EQ(nvcf::json::parse(" {\"a\" : [1, -2.5e3, true, null]}\r\n").error,
            nvcf::json::ParseError::None);
  EXPECT_EQ(nvcf::json::parse(std::string_view()).error, nvcf::json::ParseError::Empty);
}

/* json-glib reads what it cannot write back: 1e999 as inf (written
 * "inf.0"), a lone low surrogate escape as bytes that are not UTF-8. */
TEST(Json, RefusesWhatJsonGlibCannotWriteBack) {
  /* The last four leaked in json-glib's scanner too. */
  for (const char* text :
       {R"({"a":1e999})", R"({"a":[-1e999]})", R"({"a":"\udc00x"})", R"({"\udc00x":1})",
        R"({"event":"\udcp""})", R"({"a":"\ud83dx"})", R"({"a":"\ud83d\u"})",
        R"({"a":"\ud83d\ud83d"})", R"({"a":"\ud83d\u12"})", R"({"a":"\q"})"}) {
    nvcf::json::Parsed p = nvcf::json::parse(text);
    EXPECT_EQ(p.error, nvcf::json::ParseError::Syntax) << text;
  }
  EXPECT_EQ(nvcf::json::parse(R"({"a":"\ud83d\ude00\u00e9\"\\\/\b\f\n\r\t","b":1e300})").error,
            nvcf::json::ParseError::None);

  /* NVIDIA's ack echoes the ackid as it came: was {"ack":inf.0}. */
  nvcf::SignallingConnection nv("p", "producer", "", nvcf::Dialect::Nvidia);
  for (const std::string& reply : nv.on_text(R"({"ackid":1e999,"hb":1})").replies)
    EXPECT_EQ(reply.find("inf"), std::string::npos) << reply;
  /* The username came back from credentials_json as another string. */
  EXPECT_FALSE(
      nvcf::parse_credentials(R"({"stunIp":"e","stunPort":8,"username":"\udcHr","password":""})")
          .credentials);
}

/* json-glib's error texts quote the input cut mid-character, and the
 * control API quoted a method or path as it came: answers that are not
 * UTF-8, so not JSON. */
TEST(Json, AnswersStayUtf8) {
  std::string cut = R"({"":")";
  for (int i = 0; i < 15; i++)
    cut += "\xc3\xa9";
  nvcf::ControlParse p = nvcf::parse_control_message(cut);
  ASSERT_FALSE(p.error.empty());
  EXPECT_TRUE(g_utf8_validate(p.error.c_str(), -1, nullptr)) << p.error;
  std::string reply = nvcf::control_reply(p.id, p.error);
  EXPECT_TRUE(g_utf8_validate(reply.c_str(), -1, nullptr)) << reply;

  nvcf::HttpRequest rq{"G\xffT", "/v1/\xc3\x28", "", "", 0};
  nvcf::HttpResponse r = nvcf::control_handle(rq, {});
  EXPECT_EQ(r.status, 404u);
  EXPECT_TRUE(g_utf8_validate(r.body.c_str(), -1, nullptr)) << r.body;
  EXPECT_EQ(nvcf::json::quote("a\xff"), "\"a\xef\xbf\xbd\"");
}

/* json-glib reads a second top-level value, drops it and leaks its tree:
 * a client could leak up to 1 MiB a frame ({}{}, found by LeakSanitizer
 * under the signalling fuzz target). One value only. */
TEST(Json, OneValueOnly) {
  for (const char* text : {"{}{}", "[1][2]", "[] [1]", "null {}", "\"a\"[1]", "{\"a\":1}]", "]["}) {
    nvcf::json::Parsed p = nvcf::json::parse(text);
    EXPECT_EQ(p.error, nvcf::json::ParseError::Syntax) << text;
  }
  nvcf::SignallingConnection gst("p", "producer", "", nvcf::Dialect::Gst);
  EXPECT_TRUE(gst.on_text(R"({"type":"list"}{"type":"list"})").requests.empty());
  EXPECT_FALSE(gst.on_text(R"({"type":"list"}{"type":"list"})").log.empty());
  EXPECT_EQ(nvcf::json::parse(" [1] \n").error, nvcf::json::ParseError::None);
  EXPECT_EQ(nvcf::json::parse(" true ").error, nvcf::json::ParseError::None);
}
