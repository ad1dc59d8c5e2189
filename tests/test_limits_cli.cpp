// Resource limits as a user meets them: a job that cannot fit is refused at
// once (exit 2, one line, no file); a disk that fills up, or a file size
// limit reached, mid-run gives one line, exit 1, and no result file.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>

#include "io/checkpoint.hpp"
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "support/cli.hpp"

namespace {

using namespace trilo::test;

// Runs the binary with `args` under a resource limit set in the child
// before exec (SIGXFSZ back to its default, so only trilobite's own
// handling can keep it alive past the file size limit).
Outcome trilobite_limited(const std::vector<std::string>& args, int resource, rlim_t limit) {
  const std::string out = unique("out"), err = unique("err");
  std::vector<std::string> all = {TRILOBITE_EXE};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    const rlimit lim{limit, limit};
    if (setrlimit(resource, &lim) != 0) _exit(120);
    std::signal(SIGXFSZ, SIG_DFL);
    const int fo = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int fe = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int fi = ::open("/dev/null", O_RDONLY);
    if (fo < 0 || fe < 0 || fi < 0) _exit(121);
    dup2(fo, 1);
    dup2(fe, 2);
    dup2(fi, 0);
    setenv("OMP_NUM_THREADS", "2", 1);
    execv(argv[0], argv.data());
    _exit(122);
  }
  int raw = 0;
  waitpid(pid, &raw, 0);
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : 1000 + WTERMSIG(raw), slurp(out), slurp(err)};
}

// Files in the target's directory whose names start with the target's:
// the temporary "<target>.tmp-<pid>" must not outlive a failed run.
std::vector<std::string> leftovers(const std::string& target) {
  const auto slash = target.find_last_of('/');
  const std::string dir = target.substr(0, slash), base = target.substr(slash + 1);
  std::vector<std::string> found;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d))
      if (std::string(e->d_name).rfind(base, 0) == 0) found.push_back(e->d_name);
    closedir(d);
  }
  return found;
}

TEST(ResourceLimits, AnAbsurdJobIsRefusedAtOnceWithTheEstimateAndNoFile) {
  for (const char* job : {"descend", "critical"}) {
    const std::string target = unique(std::string(job) + ".h5");
    std::remove(target.c_str());
    const auto t0 = std::chrono::steady_clock::now();
    const Outcome o =
        trilobite(std::string(job) + " --backend cpu --starts 100000000000 -o " + target);
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_EQ(o.status, 2) << o.err;
    EXPECT_EQ(lines(o.err), 1) << o.err;
    // critical holds its searches in memory; descend streams its records
    // through the checkpoint, so disk is what it lacks.
    const bool memory = std::string(job) == "critical";
    EXPECT_NE(o.err.find(memory ? "trilobite: error: the job needs about "
                                : "trilobite: error: the result file needs about "),
              std::string::npos) << o.err;
    EXPECT_NE(o.err.find(memory ? " of memory (" : "(descent records for 10^11 starts, checkpoint"),
              std::string::npos) << o.err;
    EXPECT_NE(o.err.find("10^11 starts"), std::string::npos) << o.err;
    EXPECT_NE(o.err.find(memory ? " are available" : " are free in"), std::string::npos) << o.err;
    EXPECT_LT(secs, 1.0) << job;
    EXPECT_FALSE(exists(target));
    EXPECT_TRUE(leftovers(target).empty());
  }
}

// RLIMIT_AS binds before MemAvailable on any machine with more than 1 GiB
// free: the refusal names it.
TEST(ResourceLimits, AnAddressSpaceLimitIsTheMemoryAvailable) {
  const std::string target = unique("h5");
  std::remove(target.c_str());
  const Outcome o =
      trilobite_limited({"basins", "--backend", "cpu", "--basin-res", "10000", "-o", target},
                        RLIMIT_AS, rlim_t(1) << 30);
  EXPECT_EQ(o.status, 2) << o.err;
  EXPECT_EQ(lines(o.err), 1) << o.err;
  EXPECT_NE(o.err.find("of memory (basin map of 10^8 cells)"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("are available (RLIMIT_AS)"), std::string::npos) << o.err;
  EXPECT_FALSE(exists(target));
}

// A file size limit of 128 KiB against files of 1 to 2 MB: the writes
// fail inside HDF5 (here at the final flush: the chunk caches hold these
// small files whole; test_io_disk_full.cpp covers a write mid-run). Exit 1
// (a runtime failure, not bad input), one line naming the target, nothing
// left at the target or beside it.
TEST(ResourceLimits, AFileSizeLimitReachedIsOneLineExitOneAndNoFile) {
  const std::vector<std::vector<std::string>> jobs = {
      {"grid", "--grid-res", "300"},
      {"descend", "--starts", "20000", "--steps", "5"},
      {"run", "--grid-res", "128", "--starts", "10000", "--steps", "5", "--basin-res", "64"},
      {"critical", "--grid-res", "300", "--starts", "64"},
  };
  for (std::vector<std::string> args : jobs) {
    const std::string target = unique(args[0] + ".h5");
    std::remove(target.c_str());
    std::remove((target + ".partial").c_str());
    args.insert(args.end(), {"--backend", "cpu", "-q", "-o", target});
    const Outcome o = trilobite_limited(args, RLIMIT_FSIZE, rlim_t(128) << 10);
    EXPECT_EQ(o.status, 1) << args[0] << ": " << o.err;
    // descend, run and critical fill their checkpoint first: it is named, and stays
    // readable with what was committed before the disk filled.
    const bool checkpointed = args[0] == "descend" || args[0] == "run" || args[0] == "critical";
    const std::string written = checkpointed ? target + ".partial" : target;
    EXPECT_EQ(o.err,
              "trilobite: error: disk full (or file size limit reached) writing '" + written + "'\n")
        << args[0];
    EXPECT_FALSE(exists(target)) << args[0];
    if (checkpointed) {
      EXPECT_NO_THROW(trilo::io::CheckpointReader{written}) << args[0];
      std::remove(written.c_str());
    }
    EXPECT_TRUE(leftovers(target).empty()) << args[0] << ": " << leftovers(target).front();
  }
}

// The same jobs without the limit succeed, so the failures above are the
// limit's doing.
TEST(ResourceLimits, TheSameJobWithoutTheLimitWritesItsFile) {
  const std::string target = unique("h5");
  std::remove(target.c_str());
  const Outcome o =
      trilobite_limited({"grid", "--grid-res", "300", "--backend", "cpu", "-q", "-o", target},
                        RLIMIT_FSIZE, RLIM_INFINITY);
  EXPECT_EQ(o.status, 0) << o.err;
  EXPECT_TRUE(exists(target));
  std::remove(target.c_str());
  std::remove((target.substr(0, target.size() - 3) + ".xmf").c_str());
}

}  // namespace
