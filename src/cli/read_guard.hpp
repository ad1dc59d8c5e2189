// HDF5 1.10 trusts the bytes of a file: a damaged global heap (where
// variable-length strings live) can make it read out of bounds and crash,
// so `trilobite info FILE` on a corrupted file would die with SIGSEGV
// instead of saying what is wrong. While a ReadGuard lives, a fatal signal
// prints one line naming the file and exits with status 2 (bad input). The
// CLI holds one around commands that read a file the user gave; the library
// installs no signal handlers.
#pragma once

#include <string>

namespace trilo::cli {

class ReadGuard {
 public:
  explicit ReadGuard(const std::string& path);
  ~ReadGuard();  // restores the previous handlers
  ReadGuard(const ReadGuard&) = delete;
  ReadGuard& operator=(const ReadGuard&) = delete;
};

}  // namespace trilo::cli
