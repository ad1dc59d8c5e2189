// The output path rule (src/io/output_path.hpp): an existing file is replaced
// only with --force, every writing command obeys it, and --force is an action
// that no result file remembers.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "cli/read_guard.hpp"
#include "io/output_path.hpp"
#include "io/result_reader.hpp"
#include "io/result_writer.hpp"
#include "render/canvas.hpp"
#include "render/png_writer.hpp"
#include "support/cli.hpp"

namespace {

using namespace trilo::test;
using trilo::io::output_path_problem;
namespace fs = std::filesystem;

std::string fresh_dir() {
  const std::string dir = unique("dir");
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

TEST(OutputPath, AFreshNameInAWritableDirectoryIsAccepted) {
  const std::string dir = fresh_dir();
  EXPECT_EQ(output_path_problem(dir + "/new.h5", false), "");
  EXPECT_TRUE(fs::is_empty(dir)) << "the writability probe must not stay behind";
}

TEST(OutputPath, AnExistingFileIsRefusedUnlessForced) {
  const std::string dir = fresh_dir(), f = dir + "/old.h5";
  std::ofstream(f) << "old\n";
  EXPECT_EQ(output_path_problem(f, false), "output '" + f + "' exists (use --force to replace it)");
  EXPECT_EQ(output_path_problem(f, true), "");
  EXPECT_EQ(slurp(f), "old\n");
}

TEST(OutputPath, DirectoriesAndMissingParentsAreRefusedEvenWithForce) {
  const std::string dir = fresh_dir();
  std::ofstream(dir + "/file") << "x\n";
  EXPECT_EQ(output_path_problem(dir, true), "output '" + dir + "' is a directory");
  EXPECT_EQ(output_path_problem(dir + "/no/x.h5", true), "output directory '" + dir + "/no' does not exist");
  EXPECT_EQ(output_path_problem(dir + "/file/x.h5", true),
            "output directory '" + dir + "/file' is not a directory");
  EXPECT_EQ(output_path_problem("", true), "output: the path is empty");
}

TEST(OutputPath, TheInputUnderAnotherNameIsRefusedEvenWithForce) {
  const std::string dir = fresh_dir(), f = dir + "/in.h5", link = dir + "/alias.h5";
  std::ofstream(f) << "x\n";
  ASSERT_EQ(::symlink(f.c_str(), link.c_str()), 0);
  EXPECT_NE(output_path_problem(link, true, {f}).find("is the input file"), std::string::npos);
  EXPECT_NE(output_path_problem(dir + "/./in.h5", true, {f}).find("is the input file"), std::string::npos);
  EXPECT_EQ(output_path_problem(dir + "/other.h5", true, {f}), "");
}

TEST(OutputPath, ForceReplacesAResultAndTheConfigDoesNotRememberIt) {
  const std::string dir = fresh_dir(), f = dir + "/r.h5";
  std::ofstream(f) << "precious\n";
  const Outcome refused = trilobite("grid --grid-res 8 --backend cpu -o " + f);
  EXPECT_EQ(refused.status, 2) << refused.err;
  EXPECT_EQ(slurp(f), "precious\n");
  const Outcome o = trilobite("grid --grid-res 8 --backend cpu --force -o " + f);
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(trilo::io::read_result(f).grid.loss.size(), 64u);
  const Outcome cfg = trilobite("info --config " + f);
  ASSERT_EQ(cfg.status, 0) << cfg.err;
  EXPECT_NE(cfg.out.find("grid-res = 8"), std::string::npos) << cfg.out;
  EXPECT_EQ(cfg.out.find("force"), std::string::npos) << cfg.out;
}

TEST(OutputPath, ForceMayComeFromAConfigFile) {
  const std::string dir = fresh_dir(), f = dir + "/r.h5", toml = dir + "/run.toml";
  std::ofstream(f) << "precious\n";
  std::ofstream(toml) << "grid-res = 8\nforce = true\n";
  const Outcome o = trilobite("grid --config " + toml + " --backend cpu -o " + f);
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(trilobite("info --config " + f).out.find("force"), std::string::npos);
}

TEST(OutputPath, RenderReplacesItsPictureOnlyWithForce) {
  const std::string dir = fresh_dir(), h5 = dir + "/r.h5", png = dir + "/r.png";
  ASSERT_EQ(trilobite("grid --grid-res 8 --backend cpu -q -o " + h5).status, 0);
  std::ofstream(png) << "precious\n";
  EXPECT_EQ(trilobite("render " + h5 + " -o " + png).status, 2);
  EXPECT_EQ(slurp(png), "precious\n");
  EXPECT_EQ(trilobite("render " + h5 + " --force -o " + png).status, 0);
  EXPECT_EQ(slurp(png).substr(1, 3), "PNG");
}

// A file that appears at the target while a run works (a second run with the
// same -o, another program) is never overwritten without --force.
TEST(PublishFile, ANewNameIsTakenAndAnExistingOneOnlyWhenReplacing) {
  using trilo::io::publish_file;
  const std::string dir = fresh_dir(), tmp = dir + "/t", target = dir + "/r";
  std::ofstream(tmp) << "new\n";
  EXPECT_EQ(publish_file(tmp, target, false), 0);
  EXPECT_EQ(slurp(target), "new\n");
  EXPECT_FALSE(fs::exists(tmp));

  std::ofstream(tmp) << "newer\n";
  EXPECT_EQ(publish_file(tmp, target, false), EEXIST);
  EXPECT_EQ(slurp(target), "new\n");
  EXPECT_EQ(slurp(tmp), "newer\n") << "the refused file stays where it was";
  EXPECT_EQ(publish_file(tmp, target, true), 0);
  EXPECT_EQ(slurp(target), "newer\n");

  // A dangling symbolic link is a name taken too.
  const std::string link = dir + "/dangling";
  ASSERT_EQ(::symlink((dir + "/nowhere").c_str(), link.c_str()), 0);
  std::ofstream(tmp) << "x\n";
  EXPECT_EQ(publish_file(tmp, link, false), EEXIST);
  EXPECT_FALSE(fs::exists(dir + "/nowhere"));
  EXPECT_EQ(publish_file(dir + "/missing", dir + "/other", false), ENOENT);
}

TEST(PublishFile, AResultWriterKeepsItsResultWhenTheTargetAppearedMeanwhile) {
  const std::string dir = fresh_dir(), target = dir + "/r.h5";
  std::string kept;
  {
    trilo::io::ResultWriter w(target, /*replace_existing=*/false);
    kept = w.temporary_path();
    w.write_root_attributes({{"format_version", std::int64_t{1}},
                             {"program", std::string("trilobite")}});
    std::ofstream(target) << "someone else's\n";
    try {
      w.commit();
      ADD_FAILURE() << "commit replaced a file that appeared meanwhile";
    } catch (const std::runtime_error& e) {
      EXPECT_EQ(std::string(e.what()),
                "'" + target + "' appeared while this run was working and was left alone; the result is '" +
                    kept + "' (rename it, or run again with --force to replace)");
    }
  }  // the destructor must not remove the kept result
  EXPECT_EQ(slurp(target), "someone else's\n");
  ASSERT_TRUE(fs::exists(kept));
  EXPECT_NE(trilo::io::read_result(kept).attribute("program"), nullptr);

  trilo::io::ResultWriter w(target, /*replace_existing=*/true);
  w.write_root_attributes({{"format_version", std::int64_t{1}},
                           {"program", std::string("trilobite")}});
  w.commit();
  EXPECT_NE(trilo::io::read_result(target).attribute("program"), nullptr);
}

TEST(PublishFile, APictureDoesNotReplaceAFileThatAppearedWhileDrawing) {
  const std::string dir = fresh_dir(), png = dir + "/p.png";
  const trilo::render::Canvas c(4, 3);
  std::ofstream(png) << "precious\n";
  EXPECT_THROW(trilo::render::write_png(c, png, false), std::runtime_error);
  EXPECT_EQ(slurp(png), "precious\n");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1)
      << "no temporary picture stays behind";
  trilo::render::write_png(c, png, true);
  EXPECT_EQ(slurp(png).substr(1, 3), "PNG");
}

// HDF5 1.10 can crash on a damaged file (a global heap object claiming
// ~2^64 bytes makes H5HG_read copy out of bounds); while reading, the CLI
// turns that into bad input: one line naming the file, exit 2.
TEST(ReadGuardDeathTest, ACrashWhileReadingIsOneLineNamingTheFileAndExitTwo) {
  EXPECT_EXIT(
      {
        const trilo::cli::ReadGuard guard("damaged.h5");
        std::raise(SIGSEGV);
      },
      ::testing::ExitedWithCode(2), "^trilobite: error: 'damaged.h5' is damaged: the HDF5 library crashed reading it");
}

TEST(ReadGuardDeathTest, OutsideTheGuardASignalIsNotCaught) {
  { const trilo::cli::ReadGuard guard("x.h5"); }
  EXPECT_EXIT(std::raise(SIGSEGV), ::testing::KilledBySignal(SIGSEGV), "");
}

}  // namespace
