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
