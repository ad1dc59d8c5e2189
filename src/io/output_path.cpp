#include "io/output_path.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace trilo::io {

namespace {

std::string parent_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// access(W_OK) alone says yes to root everywhere, and to anyone on a
// read-only mount until the create fails; a real create is the honest test.
std::string not_writable(const std::string& dir) {
  if (::access(dir.c_str(), W_OK | X_OK) != 0) return std::strerror(errno);
  const std::string probe = dir + "/.trilobite-probe-" + std::to_string(::getpid());
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return std::strerror(errno);
  ::close(fd);
  ::unlink(probe.c_str());
  return "";
}

bool same_file(const struct stat& a, const std::string& b) {
  struct stat sb {};
  return ::stat(b.c_str(), &sb) == 0 && a.st_dev == sb.st_dev && a.st_ino == sb.st_ino;
}

}  // namespace

std::string output_path_problem(const std::string& path, bool force,
                                const std::vector<std::string>& inputs) {
  if (path.empty()) return "output: the path is empty";
  const std::string quoted = "'" + path + "'";
  struct stat st {};
  const bool present = ::lstat(path.c_str(), &st) == 0;
  struct stat target {};
  if (present && ::stat(path.c_str(), &target) == 0 && S_ISDIR(target.st_mode))
    return "output " + quoted + " is a directory";
  const std::string dir = parent_of(path);
  struct stat ds {};
  if (::stat(dir.c_str(), &ds) != 0) return "output directory '" + dir + "' does not exist";
  if (!S_ISDIR(ds.st_mode)) return "output directory '" + dir + "' is not a directory";
  for (const std::string& in : inputs)
    if (path == in || (present && same_file(target, in)))
      return "output " + quoted + " is the input file; choose another -o";
  if (present && !force) return "output " + quoted + " exists (use --force to replace it)";
  const std::string why = not_writable(dir);
  if (!why.empty()) return "output directory '" + dir + "' is not writable (" + why + ")";
  return "";
}

}  // namespace trilo::io
