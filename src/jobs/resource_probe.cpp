// What the machine offers: memory from the kernel, the process's address
// space limit and its cgroup; disk from the output's filesystem.
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include "jobs/resources.hpp"

namespace trilo::jobs {

namespace {

using u64 = std::uint64_t;
constexpr u64 kUnlimited = std::numeric_limits<u64>::max();

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return in ? s.str() : std::string();
}

// The value of "key: N kB" in /proc files, in bytes; kUnlimited if absent.
u64 kb_field(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) != 0) continue;
    std::istringstream v(line.substr(key.size() + 1));
    u64 kb = 0;
    if (v >> kb) return kb * 1024;
  }
  return kUnlimited;
}

// The first number of a file (cgroup limits and counters); kUnlimited for
// "max", a missing file or text that is not a number.
u64 number_file(const std::string& path) {
  std::istringstream in(slurp(path));
  u64 v = 0;
  return in >> v ? v : kUnlimited;
}

// "key N" in a cgroup's memory.stat; 0 if absent.
u64 stat_field(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  std::string k;
  u64 v = 0;
  while (in >> k >> v)
    if (k == key) return v;
  return 0;
}

struct Limit {
  u64 bytes = kUnlimited;
  std::string source;
  void consider(u64 b, const std::string& s) {
    if (b < bytes) {
      bytes = b;
      source = s;
    }
  }
};

// A limit less what is in use, where page cache that could be reclaimed
// (inactive files) does not count as in use.
u64 headroom(u64 limit, u64 usage, u64 reclaimable) {
  const u64 used = usage > reclaimable ? usage - reclaimable : 0;
  return limit > used ? limit - used : 0;
}

// cgroup v2: every level from ours up to the root may cap memory.
void cgroup_v2(const std::string& rel, Limit& lim) {
  std::string path = rel;
  for (;;) {
    const std::string dir = "/sys/fs/cgroup" + (path == "/" ? std::string() : path);
    const u64 max = number_file(dir + "/memory.max");
    if (max != kUnlimited)
      lim.consider(headroom(max, number_file(dir + "/memory.current"),
                            stat_field(slurp(dir + "/memory.stat"), "inactive_file")),
                   "cgroup memory.max");
    if (path.empty() || path == "/") break;
    const auto slash = path.find_last_of('/');
    path = slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
  }
}

// cgroup v1: the memory controller's limit (a huge number means none). In a
// container the path in /proc/self/cgroup may not exist below the mount.
void cgroup_v1(const std::string& rel, Limit& lim) {
  for (const std::string& dir :
       {"/sys/fs/cgroup/memory" + rel, std::string("/sys/fs/cgroup/memory")}) {
    const u64 max = number_file(dir + "/memory.limit_in_bytes");
    if (max == kUnlimited) continue;
    if (max < (u64(1) << 60))
      lim.consider(headroom(max, number_file(dir + "/memory.usage_in_bytes"),
                            stat_field(slurp(dir + "/memory.stat"), "total_inactive_file")),
                   "cgroup memory.limit_in_bytes");
    return;
  }
}

void cgroups(Limit& lim) {
  std::istringstream in(slurp("/proc/self/cgroup"));
  std::string line;
  while (std::getline(in, line)) {
    // hierarchy-id:controllers:path; v2 is "0::path".
    const auto a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    const std::string controllers = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
    if (line.compare(0, a, "0") == 0 && controllers.empty())
      cgroup_v2(path, lim);
    else if (("," + controllers + ",").find(",memory,") != std::string::npos)
      cgroup_v1(path, lim);
  }
}

std::string directory_of(const std::string& out) {
  const auto slash = out.find_last_of('/');
  return slash == std::string::npos ? "." : (slash == 0 ? "/" : out.substr(0, slash));
}

}  // namespace

Available available_resources(const std::string& output) {
  Available a;
  Limit lim;
  u64 meminfo = kb_field(slurp("/proc/meminfo"), "MemAvailable");
  if (meminfo == kUnlimited)  // kernels before 3.14, or no /proc
    meminfo = u64(sysconf(_SC_AVPHYS_PAGES)) * u64(sysconf(_SC_PAGESIZE));
  lim.consider(meminfo, "MemAvailable");
  rlimit as{};
  if (getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY) {
    const u64 in_use = kb_field(slurp("/proc/self/status"), "VmSize");
    lim.consider(in_use == kUnlimited ? u64(as.rlim_cur) : headroom(as.rlim_cur, in_use, 0),
                 "RLIMIT_AS");
  }
  cgroups(lim);
  a.memory = lim.bytes;
  a.memory_source = lim.source;

  a.disk_dir = directory_of(output);
  struct statvfs fs {};
  a.disk = statvfs(a.disk_dir.c_str(), &fs) == 0 ? u64(fs.f_bavail) * u64(fs.f_frsize) : kUnlimited;
  return a;
}

}  // namespace trilo::jobs
