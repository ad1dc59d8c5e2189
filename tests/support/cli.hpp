// Running the trilobite binary from a test: per-test scratch names (CTest
// runs tests in parallel processes), the exit status and both streams.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace trilo::test {

inline const std::string kTmp = TRILOBITE_TEST_TMP;

struct Outcome {
  int status;
  std::string out, err;
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A scratch path unique to the running test: <tmp>/<Suite.Test>.<stem>.
inline std::string unique(const std::string& stem) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string(info->test_suite_name()) + "." + info->name();
  for (char& c : name)
    if (c == '/') c = '_';
  return kTmp + "/" + name + "." + stem;
}

// Runs the binary with a fixed, test-written argument string (two threads,
// no stdin).
inline Outcome trilobite(const std::string& args) {
  const std::string out = unique("out"), err = unique("err");
  const std::string cmd = std::string("OMP_NUM_THREADS=2 '") + TRILOBITE_EXE + "' " + args + " >" +
                          out + " 2>" + err + " </dev/null";
  const int raw = std::system(cmd.c_str());
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, slurp(out), slurp(err)};
}

inline bool exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0;
}

inline int lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

// `trilobite args` must be refused as bad input: exit 2, one line on stderr
// that mentions `says`, and neither the result `output` nor its checkpoint
// written.
inline void expect_refused(const std::string& args, const std::string& says, const std::string& output) {
  const Outcome o = trilobite(args);
  EXPECT_EQ(o.status, 2) << args << "\n" << o.err;
  EXPECT_NE(o.err.find(says), std::string::npos) << args << "\n" << o.err;
  EXPECT_EQ(lines(o.err), 1) << args << "\n" << o.err;
  EXPECT_FALSE(exists(output)) << args;
  EXPECT_FALSE(exists(output + ".partial")) << args;
}

}  // namespace trilo::test
