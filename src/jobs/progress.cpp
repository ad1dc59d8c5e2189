#include "jobs/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace trilo::jobs {

namespace {

// "1:02:03" or "2:03".
std::string clock_text(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto s = static_cast<long long>(seconds + 0.5);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
  return buf;
}

}  // namespace

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

Progress::Progress(std::string what, std::int64_t total, bool enabled)
    : what_(std::move(what)), total_(std::max<std::int64_t>(total, 0)), enabled_(enabled),
      start_(std::chrono::steady_clock::now()), last_draw_(start_) {}

Progress::~Progress() { finish(); }

std::string Progress::line(const std::string& what, std::int64_t done, std::int64_t total,
                           double seconds) {
  constexpr int kWidth = 24;
  const double f = total > 0 ? std::clamp(double(done) / double(total), 0.0, 1.0) : 1.0;
  const int filled = static_cast<int>(f * kWidth);
  std::string bar = std::string(filled, '#') + std::string(kWidth - filled, '.');
  const double rate = seconds > 0 ? double(done) / seconds : 0.0;
  const double left = rate > 0 ? double(total - done) / rate : NAN;
  char buf[160];
  std::snprintf(buf, sizeof buf, "%s [%s] %3.0f%% %lld/%lld  %.3g/s  %s left", what.c_str(),
                bar.c_str(), 100 * f, static_cast<long long>(done), static_cast<long long>(total),
                rate, done >= total ? "0:00" : clock_text(left).c_str());
  return buf;
}

void Progress::update(std::int64_t done) {
  done_ = std::clamp<std::int64_t>(done, 0, total_);
  draw(false);
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  if (!enabled_) return;
  draw(true);
  std::fputc('\n', stderr);
  std::fflush(stderr);
}

void Progress::draw(bool force) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  // Throttled: a terminal redrawn thousands of times a second slows the run.
  if (!force && now - last_draw_ < std::chrono::milliseconds(200)) return;
  last_draw_ = now;
  const double secs = std::chrono::duration<double>(now - start_).count();
  // \r back to the line start; \033[K clears what a longer earlier line left.
  std::fprintf(stderr, "\r%s\033[K", line(what_, done_, total_, secs).c_str());
  std::fflush(stderr);
}

std::int64_t chunk_for_progress(std::int64_t chunk, std::int64_t n, bool bar, std::int64_t floor) {
  if (!bar) return chunk;
  return std::min(chunk, std::max(floor, (n + 63) / 64));
}

}  // namespace trilo::jobs
