/* nvcf-streamer: pipeline file substitution, argument handling, and a
 * clean stop on SIGTERM/SIGINT. */
#include <gtest/gtest.h>

#include <glib.h>
#include <signal.h>
#include <sys/wait.h>

#include <map>

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

struct Result {
  int status = -1;
  std::string out, err;
};

static Result run_streamer(std::vector<std::string> args, int timeout_s = 20) {
  std::vector<char*> argv;
  std::string bin = NVCF_STREAMER_PATH;
  argv.push_back(bin.data());
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  Result r;
  gchar *out = nullptr, *err = nullptr;
  GError* error = nullptr;
  std::string cmd;
  gchar* quoted = nullptr;
  for (char* a : argv) {
    if (!a)
      break;
    quoted = g_shell_quote(a);
    cmd += std::string(quoted) + " ";
    g_free(quoted);
  }
  cmd = "timeout " + std::to_string(timeout_s) + " " + cmd;
  gchar* sh[] = {(gchar*)"/bin/sh", (gchar*)"-c", cmd.data(), nullptr};
  g_spawn_sync(nullptr, sh, nullptr, G_SPAWN_DEFAULT, nullptr, nullptr, &out, &err, &r.status, &error);
  r.out = out ? out : "";
  r.err = err ? err : "";
  g_free(out);
  g_free(err);
  g_clear_error(&error);
  return r;
}

static int exit_code(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(Launcher, PrintsSubstitutedPipeline) {
  g_setenv("NVCF_TEST_PATTERN", "ball", TRUE);
  Result r = run_streamer({"--print-pipeline", "videotestsrc pattern=${NVCF_TEST_PATTERN} ! fakesink"});
  EXPECT_EQ(exit_code(r.status), 0) << r.err;
  EXPECT_EQ(r.out, "videotestsrc pattern=ball ! fakesink\n");
}

TEST(Launcher, DefaultPipelineFile) {
  Result r = run_streamer({"--print-pipeline"});
  EXPECT_EQ(exit_code(r.status), 0) << r.err;
  EXPECT_NE(r.out.find("videotestsrc is-live=true"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("audiotestsrc"), std::string::npos);
  EXPECT_NE(r.out.find("nvcfwebrtcsink"), std::string::npos);
}

TEST(Launcher, PipelineByName) {
  Result r = run_streamer({"--print-pipeline", "--pipeline", "x264-lowlatency"});
  EXPECT_EQ(exit_code(r.status), 0) << r.err;
  EXPECT_NE(r.out.find("x264enc"), std::string::npos);
}

TEST(Launcher, Errors) {
  Result missing = run_streamer({"--pipeline", "/nonexistent/file.pipeline"});
  EXPECT_EQ(exit_code(missing.status), 2);
  EXPECT_NE(missing.err.find("not found"), std::string::npos) << missing.err;

  Result both = run_streamer({"--pipeline", "default", "fakesrc ! fakesink"});
  EXPECT_EQ(exit_code(both.status), 2);
  EXPECT_NE(both.err.find("not both"), std::string::npos) << both.err;

  g_unsetenv("NVCF_SURELY_UNSET");
  Result unset = run_streamer({"videotestsrc pattern=${NVCF_SURELY_UNSET} ! fakesink"});
  EXPECT_EQ(exit_code(unset.status), 2);
  EXPECT_NE(unset.err.find("NVCF_SURELY_UNSET is not set"), std::string::npos) << unset.err;

  Result bad = run_streamer({"--bogus-option"});
  EXPECT_EQ(exit_code(bad.status), 2);
  EXPECT_NE(bad.err.find("bogus"), std::string::npos) << bad.err;

  Result broken = run_streamer({"videotestsrc ! nosuchelement ! fakesink"});
  EXPECT_EQ(exit_code(broken.status), 1);
  EXPECT_NE(broken.err.find("nosuchelement"), std::string::npos) << broken.err;
}

TEST(Launcher, GStreamerOptionsAccepted) {
  Result r = run_streamer({"--gst-debug-level=0", "--print-pipeline", "fakesrc ! fakesink"});
  EXPECT_EQ(exit_code(r.status), 0) << r.err;
  Result help = run_streamer({"--help-gst"});
  EXPECT_EQ(exit_code(help.status), 0);
  EXPECT_NE(help.out.find("--gst-debug-level"), std::string::npos);
}

/* Start the streamer, wait for its port line, send sig, expect exit 0. */
static void stop_with(int sig) {
  gchar* argv[] = {(gchar*)NVCF_STREAMER_PATH, (gchar*)"--pipeline", (gchar*)"default", nullptr};
  gchar** envp = g_get_environ();
  envp = g_environ_setenv(envp, "CONTROL_SERVER_PORT", "0", TRUE);
  envp = g_environ_setenv(envp, "STREAMING_SERVER_PORT", "0", TRUE);
  GPid pid;
  gint out_fd;
  GError* error = nullptr;
  ASSERT_TRUE(g_spawn_async_with_pipes(nullptr, argv, envp, G_SPAWN_DO_NOT_REAP_CHILD, nullptr,
                                       nullptr, &pid, nullptr, &out_fd, nullptr, &error))
      << error->message;
  g_strfreev(envp);
  FILE* out = fdopen(out_fd, "r");
  char line[512];
  bool ports = false;
  while (fgets(line, sizeof line, out))
    if (g_str_has_prefix(line, "nvcf-streamer: control-port=")) {
      ports = true;
      break;
    }
  EXPECT_TRUE(ports);
  EXPECT_EQ(strstr(line, "control-port=0 "), nullptr) << "port 0 must be resolved: " << line;
  gint64 start = g_get_monotonic_time();
  kill(pid, sig);
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (g_get_monotonic_time() - start > 10 * G_USEC_PER_SEC) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      FAIL() << "did not stop within 10 s";
    }
    g_usleep(20000);
  }
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  fclose(out);
}

TEST(Launcher, StopsCleanlyOnSigterm) { stop_with(SIGTERM); }
TEST(Launcher, StopsCleanlyOnSigint) { stop_with(SIGINT); }
