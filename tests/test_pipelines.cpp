/* Every file in pipelines/ parses into a pipeline with nvcfwebrtcsink. A
 * file whose elements are missing here (nvh264enc without a GPU,
 * ximagesrc without X plugins) is skipped, naming the element. */
#include <gtest/gtest.h>

#include <algorithm>

#include <filesystem>

#include "nvcftest.h"
#include "pipelinefile.h"

namespace fs = std::filesystem;

static std::vector<std::string> pipeline_files() {
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(NVCF_PIPELINES_SOURCE_DIR))
    if (entry.path().extension() == ".pipeline")
      files.push_back(entry.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

class PipelineFile : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() { nvcftest::init(); }
};

TEST_P(PipelineFile, Parses) {
  gchar* text = nullptr;
  ASSERT_TRUE(g_file_get_contents(GetParam().c_str(), &text, nullptr, nullptr));
  std::string error;
  auto desc = nvcf::prepare_pipeline(text, nvcf::process_env(), &error);
  g_free(text);
  ASSERT_TRUE(desc) << error;
  ASSERT_FALSE(desc->empty());

  GError* err = nullptr;
  GstParseContext* ctx = gst_parse_context_new();
  GstElement* p = gst_parse_launch_full(desc->c_str(), ctx, GST_PARSE_FLAG_FATAL_ERRORS, &err);
  gchar** missing = gst_parse_context_get_missing_elements(ctx);
  if (missing && missing[0]) {
    gchar* joined = g_strjoinv(", ", missing);
    std::string names = joined;
    g_free(joined);
    g_strfreev(missing);
    gst_parse_context_free(ctx);
    g_clear_error(&err);
    if (p)
      gst_object_unref(p);
    GTEST_SKIP() << "element(s) not available on this machine: " << names;
  }
  g_strfreev(missing);
  gst_parse_context_free(ctx);
  ASSERT_EQ(err, nullptr) << err->message;
  ASSERT_NE(p, nullptr);

  GstElement* sink = nvcftest::find_by_factory(p, "nvcfwebrtcsink");
  bool has_sink = sink != nullptr;
  if (sink)
    gst_object_unref(sink);
  EXPECT_TRUE(has_sink) << "no nvcfwebrtcsink in " << GetParam();
  gst_object_unref(p);
}

INSTANTIATE_TEST_SUITE_P(All, PipelineFile, ::testing::ValuesIn(pipeline_files()),
                         [](const auto& info) {
                           std::string n = fs::path(info.param).stem().string();
                           for (char& c : n)
                             if (!isalnum(static_cast<unsigned char>(c)))
                               c = '_';
                           return n;
                         });

TEST(PipelineFiles, DefaultExists) {
  auto files = pipeline_files();
  EXPECT_NE(std::find_if(files.begin(), files.end(),
                         [](const std::string& f) {
                           return f.find("/default.pipeline") != std::string::npos;
                         }),
            files.end());
  EXPECT_GE(files.size(), 5u);
}
