#include "expr/disk_cache.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace trilo::expr {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::string(v) : std::string();
}

std::string errno_text(const std::string& what, int err) { return what + ": " + std::strerror(err); }

}  // namespace

std::string cache_dir() {
  std::string dir = env("TRILOBITE_CACHE_DIR");
  if (!dir.empty()) return dir;
  dir = env("XDG_CACHE_HOME");
  if (!dir.empty()) return dir + "/trilobite";
  dir = env("HOME");
  if (!dir.empty()) return dir + "/.cache/trilobite";
  return {};
}

std::uint64_t fnv1a(const std::string& s, std::uint64_t h) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

std::string hex64(std::uint64_t h) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

bool prepare_cache_dir(const std::string& dir, std::string* why) {
  if (dir.empty()) {
    *why = "no cache directory (set TRILOBITE_CACHE_DIR or HOME)";
    return false;
  }
  for (std::size_t pos = 1; pos <= dir.size(); ++pos) {  // mkdir -p, mode 0700
    if (pos < dir.size() && dir[pos] != '/') continue;
    std::string prefix = dir.substr(0, pos);
    if (::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST) {
      *why = errno_text("cannot create " + prefix, errno);
      return false;
    }
  }
  return is_private(dir, true, why);
}

bool is_private(const std::string& path, bool want_dir, std::string* why) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    *why = errno_text("cannot stat " + path, errno);
    return false;
  }
  if (want_dir != S_ISDIR(st.st_mode) || (!want_dir && !S_ISREG(st.st_mode))) {
    *why = path + (want_dir ? " is not a directory" : " is not a regular file");
    return false;
  }
  if (st.st_uid != ::geteuid() || (st.st_mode & 022) != 0) {
    *why = path + " is not owned by this user or is writable by others";
    return false;
  }
  return true;
}

int make_temp(const std::string& dir, const std::string& suffix, std::string* path) {
  std::string name = dir + "/tmp-XXXXXX" + suffix;
  std::vector<char> buf(name.begin(), name.end());
  buf.push_back('\0');
  int fd = ::mkstemps(buf.data(), static_cast<int>(suffix.size()));
  if (fd >= 0) *path = buf.data();
  return fd;
}

bool write_all(int fd, const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t k = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    done += static_cast<std::size_t>(k);
  }
  return true;
}

bool store_file(const std::string& dir, const std::string& final_path, const std::string& bytes,
                std::string* why) {
  std::string tmp;
  const int fd = make_temp(dir, ".part", &tmp);  // mkstemps creates it with mode 0600
  if (fd < 0) {
    *why = errno_text("cannot write to " + dir, errno);
    return false;
  }
  const bool ok = write_all(fd, bytes);
  if (::close(fd) != 0 || !ok || ::rename(tmp.c_str(), final_path.c_str()) != 0) {
    *why = errno_text("cannot store " + final_path, errno);
    ::unlink(tmp.c_str());
    return false;
  }
  return true;
}

bool load_private_file(const std::string& path, std::string* bytes, std::string* why) {
  if (!is_private(path, false, why)) return false;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    *why = errno_text("cannot open " + path, errno);
    return false;
  }
  bytes->clear();
  char buf[1 << 16];
  std::size_t k = 0;
  while ((k = std::fread(buf, 1, sizeof buf, f)) > 0) bytes->append(buf, k);
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) *why = "cannot read " + path;
  return !failed;
}

std::string first_error_line(const std::string& log) {
  std::string first, error;
  std::size_t at = 0;
  while (at < log.size() && error.empty()) {
    std::size_t end = log.find('\n', at);
    if (end == std::string::npos) end = log.size();
    std::string line = log.substr(at, end - at);
    while (!line.empty() && line.back() == '\r') line.pop_back();
    if (first.empty() && line.find_first_not_of(" \t") != std::string::npos) first = line;
    if (line.find("error") != std::string::npos) error = line;
    at = end + 1;
  }
  std::string msg = error.empty() ? first : error;
  for (char& c : msg)
    if (static_cast<unsigned char>(c) < 32 || static_cast<unsigned char>(c) > 126) c = '?';
  return msg.substr(0, 240);
}

}  // namespace trilo::expr
