// The bad-input catalogue: every way a user can mistype, point at
// the wrong file or at a path that cannot take a result. Each case runs the
// real binary and must get exit status 2, exactly one line on stderr naming
// the problem, and leave its scratch directory exactly as it was (no result,
// no temporary file, a file already there untouched). docs/errors.md lists
// every case with its message, and each case checks its row there.
// The cases are data: tests/support/bad_input_cases.hpp.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <string>

#include "support/bad_input_cases.hpp"
#include "support/cli.hpp"

namespace {

using namespace trilo::test;
namespace fs = std::filesystem;

// name -> content of every entry of `dir` ("<dir>" for a directory), so any
// new, removed or changed file shows.
std::map<std::string, std::string> snapshot(const std::string& dir) {
  std::map<std::string, std::string> s;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    s[e.path().filename().string()] = e.is_directory() ? "<dir>" : slurp(e.path().string());
  return s;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  if (from.empty()) return s;
  for (std::size_t at = 0; (at = s.find(from, at)) != std::string::npos; at += to.size())
    s.replace(at, from.size(), to);
  return s;
}

// The docs/errors.md row of a case: its name, the command with the scratch
// directory written DIR, and the message (without "trilobite: error: ").
std::string doc_row(const BadInputCase& c, std::string message, const std::string& dir,
                    const std::string& ro) {
  const std::string command = replace_all(expand(c.args, "DIR", "RO"), "|", "\\|");
  message = replace_all(replace_all(message, dir, "DIR"), ro, "RO");
  message = replace_all(message.substr(0, message.find('\n')), "|", "\\|");
  // HDF5's byte counts of a truncated file depend on the scratch path's
  // length (the file stores its command line).
  message = std::regex_replace(message, std::regex("eof = [0-9]+"), "eof = N");
  const std::string prefix = "trilobite: error: ";
  if (message.rfind(prefix, 0) == 0) message.erase(0, prefix.size());
  return "| `" + std::string(c.name) + "` | `trilobite " + command + "` | " + message + " |";
}

class BadInputCatalogue : public ::testing::TestWithParam<BadInputCase> {};

TEST_P(BadInputCatalogue, IsRefusedWithOneLineExitTwoAndNothingWritten) {
  const BadInputCase& c = GetParam();
  const std::string dir = unique("dir");
  finish_case(dir);
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::string skip;
  const std::string args = prepare_case(c, dir, &skip);
  ASSERT_FALSE(HasFatalFailure());
  if (!skip.empty()) GTEST_SKIP() << skip;
  const std::string ro = args.find("/sys/") != std::string::npos ? "/sys" : dir + "/ro";
  const auto before = snapshot(dir);
  const Outcome o = trilobite(args);
  EXPECT_EQ(o.status, 2) << args << "\n" << o.err;
  EXPECT_EQ(lines(o.err), 1) << args << "\n" << o.err;
  EXPECT_EQ(o.err.rfind("trilobite: error: ", 0), 0u) << args << "\n" << o.err;
  EXPECT_NE(o.err.find(expand(c.mentions, dir)), std::string::npos)
      << args << "\nmust mention: " << c.mentions << "\n" << o.err;
  EXPECT_EQ(snapshot(dir), before) << args << ": the directory changed";
  EXPECT_TRUE(o.out.empty()) << args << "\n" << o.out;
  finish_case(dir);

  const std::string row = doc_row(c, o.err, dir, ro);
  if (const char* table = std::getenv("TRILOBITE_ERRORS_TABLE")) {  // regenerating the doc
    std::ofstream(table, std::ios::app) << row << "\n";
    return;
  }
  const std::string doc = slurp(std::string(TRILOBITE_SOURCE_DIR) + "/docs/errors.md");
  EXPECT_NE(doc.find(row + "\n"), std::string::npos) << "docs/errors.md lacks the row\n" << row;
}

INSTANTIATE_TEST_SUITE_P(Catalogue, BadInputCatalogue, ::testing::ValuesIn(bad_input_cases()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(BadInputCatalogueSize, HoldsAtLeastFortyDistinctCases) {
  std::map<std::string, int> names;
  for (const BadInputCase& c : bad_input_cases()) ++names[c.name];
  EXPECT_GE(names.size(), 40u);
  for (const auto& [name, n] : names) EXPECT_EQ(n, 1) << name;
}

}  // namespace
