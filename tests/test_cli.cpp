// The command line as a user meets it: bad input gets one line naming the
// problem, exit status 2, and no output file.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "backend/backend.hpp"
#include "support/cli.hpp"

namespace {

using namespace trilo::test;

struct BadCase {
  const char* args;
  const char* must_mention;
};

// The one-line bad-input catalogue is tests/test_bad_input.cpp.

// Formula problems: exit 2, one line, no file; syntax errors name the column
// and show the formula around it.
class BadFormula : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadFormula, IsRefusedWithExitTwoAndNoFile) {
  const BadCase c = GetParam();
  const std::string target = unique("h5");
  std::remove(target.c_str());
  Outcome o = trilobite(std::string(c.args) + " -o " + target);
  EXPECT_EQ(o.status, 2) << c.args << "\n" << o.err;
  EXPECT_NE(o.err.find(c.must_mention), std::string::npos) << c.args << "\n" << o.err;
  EXPECT_EQ(o.err.rfind("trilobite: error: ", 0), 0u) << o.err;
  EXPECT_EQ(lines(o.err), 1) << c.args << "\n" << o.err;
  EXPECT_FALSE(exists(target)) << c.args;
}

INSTANTIATE_TEST_SUITE_P(
    Catalogue, BadFormula,
    ::testing::Values(BadCase{"run --expr 'x^2 +' --box -1:1", "column 6 of 'x^2 +'"},
                      BadCase{"run --expr 'exq(x)' --box -1:1", "did you mean 'exp'"},
                      BadCase{"run --expr 'x^2 + y^2 + z^2' --box -1:1,-1:1", "w3"},
                      BadCase{"run --expr 'x^2'", "--box"},
                      BadCase{"run --expr '#include <stdio.h>' --box -1:1", "column 1"},
                      BadCase{R"(run --expr 'x"); system("id' --box -1:1)", "column 2"},
                      BadCase{R"(run --expr 'x \\ y' --box -1:1)", "column 3"},
                      BadCase{"run --expr 'nan * x' --box -1:1", "column 1"},
                      BadCase{"run --expr 'a*x' --param a --box -1:1", "--param"},
                      BadCase{"run --expr 'sum(i, 1, n, w[i]^2)' --box -1:1", "--dim"},
                      BadCase{"run --landscape-file /nonexistent/l.toml", "--landscape-file"},
                      BadCase{"run --expr 'x^2' --landscape-file /nonexistent/l.toml --box -1:1", "one or the other"}),
    [](const auto& info) { return "case_" + std::to_string(info.index); });

TEST(Cli, FormulaRunMapsTheFormula) {
  const std::string target = unique("h5");
  Outcome o = trilobite("descend --expr '(x - 1)^2 + 2*(y + 0.5)^2' --box -2:2 --starts 64 --lr 0.1 --force -o " + target);
  EXPECT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.out.find("(1.000000, -0.500000)"), std::string::npos) << o.out;
  EXPECT_TRUE(exists(target));
}

// A long run stopped by a signal finishes its chunk, exits 130, and leaves
// no result file (nor its temporary file), only the checkpoint to resume
// (tests/python/check_resume.py resumes such runs).
class Interrupt : public ::testing::TestWithParam<const char*> {};

TEST_P(Interrupt, ExitsWith130AndLeavesOnlyTheCheckpoint) {
  const std::string dir = unique("dir");
  ASSERT_EQ(std::system(("rm -rf '" + dir + "' && mkdir -p '" + dir + "'").c_str()), 0);
  const std::string cmd = "cd '" + dir + "' && (OMP_NUM_THREADS=2 '" + std::string(TRILOBITE_EXE) +
                          "' descend --starts 2000000 --tol 0 --steps 1000 --chunk 4096 -o r.h5 "
                          "2> err.txt & pid=$!; sleep 1; kill -" + GetParam() +
                          " $pid; wait $pid; echo $? > status.txt)";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_EQ(slurp(dir + "/status.txt"), "130\n") << slurp(dir + "/err.txt");
  EXPECT_NE(slurp(dir + "/err.txt").find("interrupted"), std::string::npos);
  EXPECT_NE(slurp(dir + "/err.txt").find("--resume r.h5"), std::string::npos) << slurp(dir + "/err.txt");
  EXPECT_FALSE(exists(dir + "/r.h5"));
  EXPECT_TRUE(exists(dir + "/r.h5.partial"));
  // Nothing else: the directory holds the checkpoint and what the shell wrote.
  EXPECT_EQ(std::system(("test -z \"$(ls '" + dir + "' | grep -v -e err.txt -e status.txt -e r.h5.partial)\"").c_str()), 0);
}

INSTANTIATE_TEST_SUITE_P(Signals, Interrupt, ::testing::Values("INT", "TERM"));

TEST(Cli, OutputIntoAMissingDirectoryIsRefused) {
  Outcome o = trilobite("run -o /nonexistent-dir/x.h5");
  EXPECT_EQ(o.status, 2);
  EXPECT_NE(o.err.find("does not exist"), std::string::npos) << o.err;
}

TEST(Cli, OutputOntoADirectoryIsRefused) {
  Outcome o = trilobite("run -o " + kTmp);
  EXPECT_EQ(o.status, 2);
  EXPECT_NE(o.err.find("is a directory"), std::string::npos) << o.err;
}

TEST(Cli, MalformedStartsFileIsRefusedNamingTheLine) {
  const std::string f = unique("txt");
  std::ofstream(f) << "# x y\n1.0 2.0\n3.0\n";
  Outcome o = trilobite("descend --starts-file " + f + " -o " + unique("h5"));
  EXPECT_EQ(o.status, 2);
  EXPECT_NE(o.err.find("line 3"), std::string::npos) << o.err;
  EXPECT_FALSE(exists(unique("h5")));
}

TEST(Cli, AskingForTheGpuWithoutOneIsAClearError) {
  if (trilo::backend::cuda_device_count() > 0) GTEST_SKIP() << "a GPU is present";
  const std::string target = unique("h5");
  std::remove(target.c_str());
  Outcome o = trilobite("run --backend cuda -o " + target);
  EXPECT_EQ(o.status, 1);
  EXPECT_EQ(lines(o.err), 1) << o.err;
  EXPECT_NE(o.err.find("CUDA"), std::string::npos) << o.err;
  EXPECT_FALSE(exists(target));
}

// The GPU searches built-in landscapes only. A formula census asked of it
// is refused in one line before the backend is made, so the same refusal
// comes with or without a device, and no file is started.
TEST(Cli, AFormulaCensusOnTheGpuIsRefusedBeforeAnyWork) {
  const std::string target = unique("h5");
  std::remove(target.c_str());
  Outcome o = trilobite("critical --expr '(x^2 - 1)^2 + y^2' --box -2:2 --starts 100 --backend cuda -o " +
                        target);
  EXPECT_EQ(o.status, 2);
  EXPECT_EQ(lines(o.err), 1) << o.err;
  EXPECT_NE(o.err.find("--backend cpu"), std::string::npos) << o.err;
  EXPECT_FALSE(exists(target));
  EXPECT_FALSE(exists(target + ".partial"));
}

// With --backend auto a formula census runs on the CPU, GPU or not: the
// double well (x^2 - 1)^2 + y^2 has minima at x = -1 and 1 and a saddle at 0.
TEST(Cli, AFormulaCensusOnAutoRunsOnTheCpu) {
  const std::string target = unique("h5");
  std::remove(target.c_str());
  Outcome o = trilobite("critical --expr '(x^2 - 1)^2 + y^2' --box -2:2 --starts 400 -o " + target);
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.err.find("on cpu"), std::string::npos) << o.err;
  EXPECT_NE(o.out.find("2 minima, 1 saddle, 0 maxima"), std::string::npos) << o.out;
}

TEST(Cli, InfoOnAMissingFileFails) {
  Outcome o = trilobite("info " + unique("missing.h5"));
  EXPECT_EQ(o.status, 2);
  EXPECT_EQ(lines(o.err), 1) << o.err;
}

TEST(Cli, NoArgumentsMapsTheDefaultLandscape) {
  // Run in a scratch directory: the default output is ./trilobite.h5
  // (emptied first: it is never replaced without --force).
  const std::string dir = unique("dir");
  ASSERT_EQ(std::system(("rm -rf '" + dir + "' && mkdir -p '" + dir + "'").c_str()), 0);
  const std::string cmd = "cd '" + dir + "' && OMP_NUM_THREADS=2 '" + std::string(TRILOBITE_EXE) +
                          "' > out.txt 2> err.txt";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_TRUE(exists(dir + "/trilobite.h5"));
  const std::string out = slurp(dir + "/out.txt"), err = slurp(dir + "/err.txt");
  EXPECT_NE(out.find("<- global"), std::string::npos) << out;
  EXPECT_NE(err.find("quartic-dimple"), std::string::npos) << err;
  // --backend auto says which backend it took: the GPU when one is present.
  const char* expected = trilo::backend::cuda_device_count() > 0 ? "on cuda" : "on cpu";
  EXPECT_NE(err.find(expected), std::string::npos) << err;
}

TEST(Cli, ListNamesEveryBuiltinLandscape) {
  Outcome o = trilobite("list");
  EXPECT_EQ(o.status, 0);
  for (const char* name : {"quartic-dimple", "bowl", "double-well", "himmelblau", "six-hump-camel",
                           "rosenbrock", "rastrigin", "ackley", "styblinski-tang", "beale",
                           "goldstein-price"})
    EXPECT_NE(o.out.find(name), std::string::npos) << name;
}

TEST(Cli, InfoOnAFileThatIsNotOursFails) {
  const std::string f = unique("txt");
  std::ofstream(f) << "hello\n";
  Outcome o = trilobite("info " + f);
  EXPECT_EQ(o.status, 2);
  EXPECT_NE(o.err.find("not a trilobite result file"), std::string::npos) << o.err;
  EXPECT_EQ(lines(o.err), 1) << o.err;
}

}  // namespace
