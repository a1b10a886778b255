/* No secret in any log the suites produced. Registered to run after every
 * other suite, alone (meson test priority -1000, is_parallel false): it
 * reads meson's own log of this run (meson-logs/testlog.txt, every suite's
 * output) and every log and dot dump the suites leave under the build
 * directory (GST_DEBUG_FILE and GST_DEBUG_DUMP_DOT_DIR point into
 * tests/logs/ for the suites that handle credentials), and looks for each
 * secret of nvcfsecrets.h in each of its forms. A finding names the file,
 * the line and the secret's name and form, never the secret.
 *
 * The scanner is tested first on planted files, so this check can fail. */
#include <glib/gstdio.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "core/config.h"
#include "nvcfsecrets.h"

namespace {

using nvcftest::secrets::Form;

struct Finding {
  std::string file;
  unsigned line;
  std::string form;  // the secret's name and form, never its text
};

/* Line by line, so a log of any size is read in bounded memory. */
std::vector<Finding> scan_file(const std::string& path, const std::vector<Form>& forms) {
  std::vector<Finding> out;
  std::ifstream in(path, std::ios::binary);
  std::string line;
  unsigned n = 0;
  while (std::getline(in, line)) {
    n++;
    for (auto& f : forms)
      if (line.find(f.text) != std::string::npos)
        out.push_back({path, n, f.name});
  }
  return out;
}

/* Logs, text output and dot dumps: what a suite may leave behind. */
bool is_log(const std::string& name) {
  for (const char* ext : {".log", ".txt", ".dot", ".json", ".xml"})
    if (g_str_has_suffix(name.c_str(), ext))
      return true;
  return false;
}

/* Every log file under dir, at any depth (symbolic links not followed). */
void collect(const std::string& dir, std::vector<std::string>& files) {
  GDir* d = g_dir_open(dir.c_str(), 0, nullptr);
  if (!d)
    return;
  while (const gchar* name = g_dir_read_name(d)) {
    std::string path = dir + "/" + name;
    if (g_file_test(path.c_str(), G_FILE_TEST_IS_SYMLINK))
      continue;
    if (g_file_test(path.c_str(), G_FILE_TEST_IS_DIR))
      collect(path, files);
    else if (is_log(name))
      files.push_back(path);
  }
  g_dir_close(d);
}

std::vector<Finding> scan_tree(const std::string& root, const std::vector<Form>& forms,
                               size_t* files_seen) {
  std::vector<std::string> files;
  collect(root, files);
  std::vector<Finding> out;
  for (auto& f : files)
    for (auto& hit : scan_file(f, forms))
      out.push_back(hit);
  if (files_seen)
    *files_seen = files.size();
  return out;
}

std::string report(const std::vector<Finding>& findings) {
  std::string out;
  for (size_t i = 0; i < findings.size() && i < 50; i++)
    out +=
        findings[i].file + ":" + std::to_string(findings[i].line) + ": " + findings[i].form + "\n";
  if (findings.size() > 50)
    out += "... and " + std::to_string(findings.size() - 50) + " more\n";
  return out;
}

struct Planted {
  std::string dir;
  Planted() {
    gchar* d = g_dir_make_tmp("nvcf-secrets-grep-XXXXXX", nullptr);
    dir = d;
    g_free(d);
  }
  ~Planted() {
    std::vector<std::string> files;
    collect(dir, files);
    for (auto& f : files)
      g_remove(f.c_str());
    g_rmdir((dir + "/sub").c_str());
    g_rmdir(dir.c_str());
  }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir + "/" + name, std::ios::binary) << text;
  }
};

}  // namespace

/* Each form of each secret is found, on its line, in a nested log file;
 * text that only resembles a secret is not. */
TEST(SecretsGrep, FindsEveryFormInPlantedFiles) {
  auto forms = nvcftest::secrets::forms();
  ASSERT_GT(forms.size(), 40u);
  Planted p;
  g_mkdir((p.dir + "/sub").c_str(), 0700);
  for (size_t i = 0; i < forms.size(); i++) {
    std::string text = "line one\nsomething " + forms[i].text + " in the middle\n";
    p.write("sub/planted-" + std::to_string(i) + ".log", text);
    auto hits = scan_file(p.dir + "/sub/planted-" + std::to_string(i) + ".log", {forms[i]});
    ASSERT_EQ(hits.size(), 1u) << forms[i].name;
    EXPECT_EQ(hits[0].line, 2u) << forms[i].name;
  }
  size_t seen = 0;
  auto all = scan_tree(p.dir, forms, &seen);
  EXPECT_EQ(seen, forms.size());
  EXPECT_GE(all.size(), forms.size());
  /* A report names file, line and form, and never the secret. */
  std::string r = report(all);
  EXPECT_NE(r.find("planted-0.log:2: kTurnPassword (raw)"), std::string::npos);
  for (auto& f : forms)
    EXPECT_EQ(r.find(f.text), std::string::npos) << "the report shows " << f.name;
}

TEST(SecretsGrep, CleanFilesAndOtherFilesPass) {
  auto forms = nvcftest::secrets::forms();
  Planted p;
  p.write("clean.log", "turn://user:***@127.0.0.1:3478\nTurn+Secret\n7f3a9c\n");
  /* Not a log: a build output may hold anything. */
  p.write("binary.o", nvcftest::secrets::kTurnPassword);
  size_t seen = 0;
  EXPECT_TRUE(scan_tree(p.dir, forms, &seen).empty());
  EXPECT_EQ(seen, 1u);
}

/* The forms are what the code writes: the percent-encoded password of a
 * TURN URI and the JSON of a posted body. */
TEST(SecretsGrep, FormsMatchWhatTheCodeWrites) {
  auto forms = nvcftest::secrets::forms();
  auto found = [&](const std::string& text) {
    for (auto& f : forms)
      if (text.find(f.text) != std::string::npos)
        return true;
    return false;
  };
  nvcf::Credentials c = nvcftest::secrets::rest(nvcftest::secrets::kRestSecret, "viewer-a", 3478);
  EXPECT_TRUE(found(c.turn_uri()));
  EXPECT_TRUE(found(nvcf::credentials_json(c)));
  c.password = nvcftest::secrets::kTurnPassword;
  EXPECT_TRUE(found(c.turn_uri()));
  EXPECT_TRUE(found(nvcf::credentials_json(c)));
  EXPECT_FALSE(found(nvcf::redact_uri(c.turn_uri())));
}

/* The real check: the build directory after every other suite ran. */
TEST(SecretsGrep, NoSecretInAnyLogOfTheSuites) {
  const char* root = g_getenv("NVCF_BUILD_ROOT");
  ASSERT_NE(root, nullptr) << "NVCF_BUILD_ROOT is not set";
  std::string testlog = std::string(root) + "/meson-logs/testlog.txt";
  ASSERT_TRUE(g_file_test(testlog.c_str(), G_FILE_TEST_EXISTS)) << testlog;
  size_t seen = 0;
  auto findings = scan_tree(root, nvcftest::secrets::forms(), &seen);
  EXPECT_TRUE(findings.empty()) << findings.size() << " secret(s) in the suites' logs:\n"
                                << report(findings);
  std::vector<std::string> suite_logs;
  collect(std::string(root) + "/tests/logs", suite_logs);
  std::cout << "scanned " << seen << " log files (" << suite_logs.size()
            << " under tests/logs) for " << nvcftest::secrets::forms().size() << " secret forms\n";
}
