/* nvcf-streamer: pipeline file substitution, argument handling, and a
 * clean stop on SIGTERM/SIGINT. */
#include <gtest/gtest.h>

#include <glib.h>
#include <signal.h>
#include <sys/wait.h>

#include <map>

#include "nvcfproc.h"
#include "nvcftest.h"
#include "pipelinefile.h"

using nvcf::prepare_pipeline;
using nvcf::strip_comments;
using nvcf::substitute_env;

static nvcf::EnvLookup env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end())
      return std::nullopt;
    return it->second;
  };
}

TEST(Substitution, Variables) {
  std::string error;
  auto lookup = env({{"A", "1"}, {"EMPTY", ""}, {"W", "720"}});
  EXPECT_EQ(*substitute_env("x=${A} y=${W}", lookup, &error), "x=1 y=720");
  EXPECT_EQ(*substitute_env("${B:-5}", lookup, &error), "5");
  EXPECT_EQ(*substitute_env("${EMPTY:-d}", lookup, &error), "d");
  EXPECT_EQ(*substitute_env("[${EMPTY}]", lookup, &error), "[]");
  EXPECT_EQ(*substitute_env("${B:-${A}}", lookup, &error), "1");
  EXPECT_EQ(*substitute_env("${B:-}", lookup, &error), "");
  EXPECT_EQ(*substitute_env("$$A $A", lookup, &error), "$A $A");
  EXPECT_EQ(*substitute_env("${B:-a-b:c}", lookup, &error), "a-b:c");
}

TEST(Substitution, Errors) {
  auto lookup = env({});
  std::string error;
  EXPECT_FALSE(substitute_env("${MISSING}", lookup, &error));
  EXPECT_NE(error.find("MISSING is not set"), std::string::npos) << error;
  EXPECT_FALSE(substitute_env("${A", lookup, &error));
  EXPECT_NE(error.find("unterminated"), std::string::npos);
  EXPECT_FALSE(substitute_env("${1X}", lookup, &error));
  EXPECT_NE(error.find("invalid variable name"), std::string::npos);
  EXPECT_FALSE(substitute_env("${}", lookup, &error));
}

TEST(Substitution, Comments) {
  EXPECT_EQ(strip_comments("# all\na ! b # tail\n  # indented\nc"), "\na ! b \n  \nc");
  EXPECT_EQ(strip_comments("textoverlay text=a#b"), "textoverlay text=a#b");
  std::string error;
  auto d = prepare_pipeline("# c\nvideotestsrc \\\n ! fakesink # x\n", env({}), &error);
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, "videotestsrc   ! fakesink");
  EXPECT_EQ(*prepare_pipeline("# only comments\n", env({}), &error), "");
}

/* ---- the binary ---- */

static nvcftest::Finished run_streamer(std::vector<std::string> args, int timeout_s = 20) {
  args.insert(args.begin(), NVCF_STREAMER_PATH);
  return nvcftest::run(args, timeout_s * 1000);
}

TEST(Launcher, PrintsSubstitutedPipeline) {
  g_setenv("NVCF_TEST_PATTERN", "ball", TRUE);
  nvcftest::Finished r =
      run_streamer({"--print-pipeline", "videotestsrc pattern=${NVCF_TEST_PATTERN} ! fakesink"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "videotestsrc pattern=ball ! fakesink\n");
}

TEST(Launcher, DefaultPipelineFile) {
  nvcftest::Finished r = run_streamer({"--print-pipeline"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("videotestsrc is-live=true"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("audiotestsrc"), std::string::npos);
  EXPECT_NE(r.out.find("nvcfwebrtcsink"), std::string::npos);
}

TEST(Launcher, PipelineByName) {
  nvcftest::Finished r = run_streamer({"--print-pipeline", "--pipeline", "x264-lowlatency"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("x264enc"), std::string::npos);
}

TEST(Launcher, Errors) {
  nvcftest::Finished missing = run_streamer({"--pipeline", "/nonexistent/file.pipeline"});
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("not found"), std::string::npos) << missing.err;

  nvcftest::Finished both = run_streamer({"--pipeline", "default", "fakesrc ! fakesink"});
  EXPECT_EQ(both.code, 2);
  EXPECT_NE(both.err.find("not both"), std::string::npos) << both.err;

  g_unsetenv("NVCF_SURELY_UNSET");
  nvcftest::Finished unset = run_streamer({"videotestsrc pattern=${NVCF_SURELY_UNSET} ! fakesink"});
  EXPECT_EQ(unset.code, 2);
  EXPECT_NE(unset.err.find("NVCF_SURELY_UNSET is not set"), std::string::npos) << unset.err;

  nvcftest::Finished bad = run_streamer({"--bogus-option"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("bogus"), std::string::npos) << bad.err;

  nvcftest::Finished broken = run_streamer({"videotestsrc ! nosuchelement ! fakesink"});
  EXPECT_EQ(broken.code, 1);
  EXPECT_NE(broken.err.find("nosuchelement"), std::string::npos) << broken.err;
}

TEST(Launcher, GStreamerOptionsAccepted) {
  nvcftest::Finished r =
      run_streamer({"--gst-debug-level=0", "--print-pipeline", "fakesrc ! fakesink"});
  EXPECT_EQ(r.code, 0) << r.err;
  nvcftest::Finished help = run_streamer({"--help-gst"});
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("--gst-debug-level"), std::string::npos);
}

/* Start the streamer, wait for its port line, send sig, expect exit 0. */
static void stop_with(int sig) {
  nvcftest::Child c("nvcf-streamer");
  ASSERT_TRUE(c.start({NVCF_STREAMER_PATH, "--pipeline", "default"},
                      {{"CONTROL_SERVER_PORT", "0"}, {"STREAMING_SERVER_PORT", "0"}}));
  std::string line = c.line("nvcf-streamer: control-port=", 30000);
  EXPECT_FALSE(line.empty()) << c.describe();
  EXPECT_EQ(line.find("control-port=0 "), std::string::npos) << "port 0 must be resolved: " << line;
  c.signal(sig);
  if (!c.wait_exit(10000)) {
    c.stop(SIGKILL, 1000);
    FAIL() << "did not stop within 10 s";
  }
  EXPECT_TRUE(WIFEXITED(c.exit_status()));
  EXPECT_EQ(WEXITSTATUS(c.exit_status()), 0);
}

TEST(Launcher, StopsCleanlyOnSigterm) {
  stop_with(SIGTERM);
}
TEST(Launcher, StopsCleanlyOnSigint) {
  stop_with(SIGINT);
}

/* The first viewer does not wait for the DTLS certificate: a fresh
 * streamer has made it (GStreamer's dtlsdec says so at DEBUG) by the time
 * it first answers ready. It used to be made in the first session's offer,
 * 0.1-3 s of RSA key generation, and under the exit policy every
 * container's one session is a first one. */
TEST(Launcher, CertificateMadeBeforeReady) {
  nvcftest::Child c("nvcf-streamer");
  ASSERT_TRUE(c.start({NVCF_STREAMER_PATH, "--pipeline", "default"},
                      {{"CONTROL_SERVER_PORT", "0"},
                       {"STREAMING_SERVER_PORT", "0"},
                       {"GST_DEBUG", "dtlsdec:5"},
                       {"GST_DEBUG_NO_COLOR", "1"}}));
  std::string line = c.line("nvcf-streamer: control-port=", 30000);
  ASSERT_FALSE(line.empty()) << c.describe();
  unsigned port = std::stoul(line.substr(line.find('=') + 1));
  ASSERT_TRUE(nvcftest::wait_ready_status(port, 200, 30000)) << c.describe();
  EXPECT_NE(c.err().find("no agent with generated cert found"), std::string::npos)
      << "ready before the DTLS certificate was made\n"
      << c.err().substr(0, 4000);
  c.stop();
}
