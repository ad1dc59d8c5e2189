// The run's surroundings: options from a TOML file (--config), the stored
// configuration, the XDMF file beside the result, and the progress line.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "backend/backend.hpp"
#include "io/xdmf_writer.hpp"
#include "jobs/progress.hpp"

namespace {

const std::string kTmp = TRILOBITE_TEST_TMP;

struct Outcome {
  int status;
  std::string out, err;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string unique(const std::string& stem) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string(info->test_suite_name()) + "." + info->name();
  for (char& c : name)
    if (c == '/') c = '_';
  return kTmp + "/eco." + name + "." + stem;
}

Outcome trilobite(const std::string& args) {
  const std::string out = unique("stdout"), err = unique("stderr");
  const std::string cmd = std::string("OMP_NUM_THREADS=2 '") + TRILOBITE_EXE + "' " + args + " >" +
                          out + " 2>" + err + " </dev/null";
  const int raw = std::system(cmd.c_str());
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, slurp(out), slurp(err)};
}

bool exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0;
}

int lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

const char* kSmall = " --grid-res 16 --basin-res 8 --starts 16 --backend cpu ";

struct BadConfig {
  const char* name;
  const char* text;     // the file (nullptr: no file)
  const char* message;  // a piece of the one-line error
};

class BadConfigFile : public ::testing::TestWithParam<BadConfig> {};

TEST_P(BadConfigFile, IsRefusedWithOneLineExitTwoAndNoFile) {
  const BadConfig& p = GetParam();
  const std::string cfg = unique("toml"), h5 = unique("h5");
  std::remove(cfg.c_str());
  if (p.text) write(cfg, p.text);
  Outcome o = trilobite("run --config '" + cfg + "' -o '" + h5 + "'");
  EXPECT_EQ(o.status, 2) << o.err;
  EXPECT_EQ(lines(o.err), 1) << o.err;
  EXPECT_NE(o.err.find(p.message), std::string::npos) << o.err;
  EXPECT_TRUE(o.out.empty()) << o.out;
  EXPECT_FALSE(exists(h5));
  EXPECT_FALSE(exists(trilo::io::xdmf_path_for(h5)));
}

INSTANTIATE_TEST_SUITE_P(
    Cli, BadConfigFile,
    ::testing::Values(
        BadConfig{"Missing", nullptr, "--config: cannot read"},
        BadConfig{"NotToml", "grid-res = 16\nthis is not toml [[\n", "not valid TOML"},
        BadConfig{"UnclosedArray", "trace = [0, 1\n", "not valid TOML"},
        BadConfig{"UnknownKey", "grid-res = 16\ngird-res = 3\n", "'gird-res' is not an option of run"},
        BadConfig{"WrongType", "steps = \"many\"\n", "--steps"},
        BadConfig{"FractionForAnInteger", "starts = 1.5\n", "--starts"},
        BadConfig{"OtherSubcommandsSection", "[descend]\nsteps = 10\n", "[descend]"},
        BadConfig{"UnknownSection", "[nosuch]\nsteps = 10\n", "[nosuch] is not a subcommand"},
        BadConfig{"InvalidValue", "precision = \"f16\"\n", "--precision"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Cli, ConfigFileSetsOptionsAndTheCommandLineWins) {
  const std::string cfg = unique("toml"), h5 = unique("h5");
  write(cfg, "# a hand-written file: keys at the top belong to the subcommand\n"
             "landscape = \"himmelblau\"\nstarts = 20\nlr = 0.005\ntrace = [1, 2]\n");
  Outcome o = trilobite("run --config '" + cfg + "'" + kSmall + "--force -o '" + h5 + "'");
  ASSERT_EQ(o.status, 0) << o.err;
  Outcome info = trilobite("info --config '" + h5 + "'");
  ASSERT_EQ(info.status, 0) << info.err;
  EXPECT_NE(info.out.find("[run]\n"), std::string::npos) << info.out;
  EXPECT_NE(info.out.find("landscape = \"himmelblau\"\n"), std::string::npos) << info.out;
  EXPECT_NE(info.out.find("lr = 0.005\n"), std::string::npos) << info.out;
  EXPECT_NE(info.out.find("trace = [1, 2]\n"), std::string::npos) << info.out;
  EXPECT_NE(info.out.find("starts = 16\n"), std::string::npos) << info.out;  // kSmall wins over 20
}

TEST(Cli, StoredConfigHoldsResolvedValuesButNoOutputPath) {
  const std::string h5 = unique("h5");
  ASSERT_EQ(trilobite("descend -l himmelblau --precision f32 --starts 8 --force -o '" + h5 + "'").status, 0);
  Outcome info = trilobite("info --config '" + h5 + "'");
  ASSERT_EQ(info.status, 0) << info.err;
  // The f32 default tolerance, as validation resolved it; the backend auto chose.
  EXPECT_NE(info.out.find("\ntol = 0.0001\n"), std::string::npos) << info.out;
  // (auto picks the GPU where one is present).
  const std::string chosen = trilo::backend::cuda_device_count() > 0 ? "cuda" : "cpu";
  EXPECT_NE(info.out.find("\nbackend = \"" + chosen + "\"\n"), std::string::npos) << info.out;
  EXPECT_EQ(info.out.find("output"), std::string::npos) << info.out;
  EXPECT_EQ(info.out.find("\njson"), std::string::npos) << info.out;
}

TEST(Cli, XdmfIsWrittenBesideTheResultNamingItByBaseName) {
  const std::string h5 = unique("result.h5");
  ASSERT_EQ(trilobite(std::string("run") + kSmall + "--force -o '" + h5 + "'").status, 0);
  const std::string xmf = trilo::io::xdmf_path_for(h5);
  ASSERT_EQ(xmf, h5.substr(0, h5.size() - 3) + ".xmf");
  const std::string text = slurp(xmf);
  const std::string base = h5.substr(h5.find_last_of('/') + 1);
  EXPECT_NE(text.find(">" + base + ":/grid/loss<"), std::string::npos) << text;
  EXPECT_NE(text.find(">" + base + ":/basins/label<"), std::string::npos) << text;
  EXPECT_EQ(text.find(kTmp), std::string::npos) << "the XML names a directory";
}

TEST(Cli, RunWithoutALatticeRemovesOurStaleXdmfButNotAStrangersFile) {
  const std::string h5 = unique("h5"), xmf = trilo::io::xdmf_path_for(h5);
  ASSERT_EQ(trilobite(std::string("run") + kSmall + "--force -o '" + h5 + "'").status, 0);
  ASSERT_TRUE(exists(xmf));
  ASSERT_EQ(trilobite("descend --starts 4 --force -o '" + h5 + "'").status, 0);
  EXPECT_FALSE(exists(xmf)) << "an XDMF file pointing at groups the new result lacks";
  write(xmf, "<Xdmf/> written by someone else\n");
  ASSERT_EQ(trilobite("run --expr 'x^2' --box -1:1" + std::string(kSmall) + "--force -o '" + h5 + "'").status, 0);
  EXPECT_TRUE(exists(xmf));
}

TEST(Cli, XdmfThatCannotBeWrittenLeavesNoResult) {
  const std::string h5 = unique("h5"), xmf = trilo::io::xdmf_path_for(h5);
  std::remove(h5.c_str());
  std::remove((h5 + ".partial").c_str());
  ::mkdir(xmf.c_str(), 0755);  // the rename onto it fails
  Outcome o = trilobite(std::string("run") + kSmall + "-o '" + h5 + "'");
  EXPECT_EQ(o.status, 1) << o.err;
  EXPECT_EQ(lines(o.err), 2) << o.err;  // the run's note, then the error
  EXPECT_NE(o.err.find("XDMF"), std::string::npos) << o.err;
  EXPECT_FALSE(exists(h5));
  // The finished descents stay in the checkpoint: --resume writes the file again.
  EXPECT_TRUE(exists(h5 + ".partial"));
  std::remove((h5 + ".partial").c_str());
  ::rmdir(xmf.c_str());
}

TEST(Cli, QuietRunWritesNothingOnStderr) {
  Outcome o = trilobite(std::string("run -q") + kSmall + "--force -o '" + unique("h5") + "'");
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_TRUE(o.err.empty()) << o.err;
  EXPECT_NE(o.out.find("wrote"), std::string::npos);
}

TEST(Cli, NoProgressBarWhenStderrIsNotATerminal) {
  Outcome o = trilobite(std::string("run") + kSmall + "--chunk 4 --tile 16 --force -o '" + unique("h5") + "'");
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(o.err.find('\r'), std::string::npos) << o.err;
  EXPECT_EQ(lines(o.err), 1) << o.err;
}

TEST(Progress, LineShowsShareRateAndTimeLeft) {
  // 250 of 1000 in 5 s: 25 %, 50 per second, 750 left at 50/s = 15 s.
  const std::string l = trilo::jobs::Progress::line("descents", 250, 1000, 5.0);
  EXPECT_NE(l.find("descents ["), std::string::npos) << l;
  EXPECT_NE(l.find("[######..................]"), std::string::npos) << l;
  EXPECT_NE(l.find(" 25% 250/1000"), std::string::npos) << l;
  EXPECT_NE(l.find(" 50/s"), std::string::npos) << l;
  EXPECT_NE(l.find("0:15 left"), std::string::npos) << l;
  // 1 of 3600 in 1 s: an hour less a second left.
  EXPECT_NE(trilo::jobs::Progress::line("x", 1, 3601, 1.0).find("1:00:00 left"), std::string::npos);
}

TEST(Progress, ChunksShrinkOnlyWhenABarIsShown) {
  using trilo::jobs::chunk_for_progress;
  EXPECT_EQ(chunk_for_progress(65536, 1000000, false, 4096), 65536);
  EXPECT_EQ(chunk_for_progress(65536, 1000000, true, 4096), (1000000 + 63) / 64);
  EXPECT_EQ(chunk_for_progress(65536, 16384, true, 4096), 4096);
  EXPECT_EQ(chunk_for_progress(100, 16384, true, 4096), 100);
}

}  // namespace
