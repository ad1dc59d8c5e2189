// Shared by the libFuzzer targets: scratch files for readers that take a
// path, and the way a target reports a broken invariant.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

namespace trilo::fuzz {

// A broken invariant: a message and abort(), which libFuzzer reports as a
// crash and saves the input.
[[noreturn]] inline void fail(const char* target, const std::string& what) {
  std::fprintf(stderr, "%s: invariant broken: %s\n", target, what.c_str());
  std::abort();
}

// A path under $TMPDIR (run_target.sh gives each target its own) unique to
// this process, ending in `suffix`.
inline std::string scratch_path(const std::string& suffix) {
  const char* dir = std::getenv("TMPDIR");
  return std::string(dir && *dir ? dir : "/tmp") + "/trilo-fuzz-" + std::to_string(::getpid()) + suffix;
}

// Writes the bytes to `path` (replacing it).
inline void write_file(const std::string& path, const std::uint8_t* data, std::size_t size) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  if (!f) fail("fuzz_support", "cannot write " + path);
}

inline bool one_line(const std::string& s) { return s.find_first_of("\n\r") == std::string::npos; }

}  // namespace trilo::fuzz
