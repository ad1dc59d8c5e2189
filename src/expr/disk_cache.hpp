// The private on-disk cache of compiled formulas, shared by the CPU path
// (shared libraries, jit.hpp) and the GPU path (cubins,
// kernels/formula_jit.hpp). Files are named by a hash of everything that
// went into them, so a repeated run starts at once.
//
// The directory is $TRILOBITE_CACHE_DIR, else $XDG_CACHE_HOME/trilobite,
// else $HOME/.cache/trilobite. It is created with mode 0700 and must be
// owned by this user and not writable by others, as must every file read
// from it, since what lies there is loaded into the process. Files appear by
// rename(), all at once, so a concurrent process never reads half a file.
#pragma once

#include <cstdint>
#include <string>

namespace trilo::expr {

// The cache directory in effect (not created); empty when no variable names one.
std::string cache_dir();

// 64-bit FNV-1a, chainable through h: the cache key of a file.
std::uint64_t fnv1a(const std::string& s, std::uint64_t h = 0xcbf29ce484222325ull);
// 16 lowercase hex digits.
std::string hex64(std::uint64_t h);

// Creates dir (mkdir -p, mode 0700) and checks it is private. False with a
// one-line reason in *why otherwise.
bool prepare_cache_dir(const std::string& dir, std::string* why);

// Whether path is a regular file (or, with want_dir, a directory) owned by
// this user and not writable by group or others.
bool is_private(const std::string& path, bool want_dir, std::string* why);

// A temporary file in dir named tmp-XXXXXX<suffix>; the open fd, -1 on failure.
int make_temp(const std::string& dir, const std::string& suffix, std::string* path);
bool write_all(int fd, const std::string& bytes);

// Writes bytes to final_path in dir through a temporary file and rename(),
// mode 0600.
bool store_file(const std::string& dir, const std::string& final_path, const std::string& bytes,
                std::string* why);
// Reads a private file whole. False (with a reason) when it is missing, not
// private or unreadable.
bool load_private_file(const std::string& path, std::string* bytes, std::string* why);

// The line of a compiler's or linker's log naming its first error (else its
// first non-blank line), printable ASCII only and at most 240 characters:
// the one line a failed build reports.
std::string first_error_line(const std::string& log);

}  // namespace trilo::expr
