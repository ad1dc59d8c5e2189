// A progress bar on stderr for long loops: done/total, rate and time left,
// redrawn in place (\r) at most a few times a second. Drawn only when stderr
// is a terminal, so logs, pipes and tests never see it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace trilo::jobs {

// True when file descriptor 2 is a terminal.
bool stderr_is_terminal();

class Progress {
 public:
  // `what` names the units ("descents"); nothing is drawn unless `enabled`.
  Progress(std::string what, std::int64_t total, bool enabled);
  ~Progress();  // finish()
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // `done` units of `total` are complete.
  void update(std::int64_t done);
  // Draws the final state and ends the line (once; later calls do nothing).
  void finish();

  bool enabled() const { return enabled_; }

  // The line drawn for `done` of `total` after `seconds` (no \r), for tests.
  static std::string line(const std::string& what, std::int64_t done, std::int64_t total,
                          double seconds);

 private:
  void draw(bool force);

  std::string what_;
  std::int64_t total_, done_ = 0;
  bool enabled_, finished_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

// Seconds of one phase after another: lap() returns the time since the
// previous lap (or since construction).
class Stopwatch {
 public:
  double lap() {
    const auto now = std::chrono::steady_clock::now();
    const double s = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    return s;
  }

 private:
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

// A chunk size for a loop over `n` items of at most `chunk` per call, small
// enough that a bar moves (about 64 steps) when `bar` is on. Results never
// depend on chunk sizes, only the overhead per call does.
std::int64_t chunk_for_progress(std::int64_t chunk, std::int64_t n, bool bar, std::int64_t floor);

}  // namespace trilo::jobs
