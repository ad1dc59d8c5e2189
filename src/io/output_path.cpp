#include "io/output_path.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdio.h>  // renameat2, RENAME_NOREPLACE (glibc 2.28)

#include <cerrno>
#include <cstring>
#include <stdexcept>

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

// Filesystems that do not offer an atomic no-replace step report these.
bool unsupported(int e) { return e == EINVAL || e == ENOSYS || e == ENOTSUP || e == EPERM; }

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

int publish_file(const std::string& tmp, const std::string& target, bool replace) {
  if (replace) return ::rename(tmp.c_str(), target.c_str()) == 0 ? 0 : errno;
  if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE) == 0)
    return 0;
  int e = errno;
  if (!unsupported(e)) return e;
  // link() fails with EEXIST when the name is taken, atomically.
  if (::link(tmp.c_str(), target.c_str()) == 0) {
    ::unlink(tmp.c_str());
    return 0;
  }
  e = errno;
  if (!unsupported(e)) return e;
  struct stat st;
  if (::lstat(target.c_str(), &st) == 0) return EEXIST;
  return ::rename(tmp.c_str(), target.c_str()) == 0 ? 0 : errno;
}

std::string target_appeared_message(const std::string& target, const std::string& kept) {
  return "'" + target + "' appeared while this run was working and was left alone; the result is '" +
         kept + "' (rename it, or run again with --force to replace)";
}

}  // namespace trilo::io
