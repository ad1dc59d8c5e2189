#include "cli/read_guard.hpp"

#include <signal.h>
#include <unistd.h>

#include <cstring>

namespace trilo::cli {

namespace {

constexpr int kSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL};
constexpr int kCount = sizeof kSignals / sizeof kSignals[0];

// Written by the constructor, read by the handler: only async-signal-safe
// work (write, _exit) happens there.
char g_message[1024];
std::size_t g_length = 0;
struct sigaction g_previous[kCount];

extern "C" void on_fatal_signal(int) {
  (void)!::write(STDERR_FILENO, g_message, g_length);
  ::_exit(2);
}

}  // namespace

ReadGuard::ReadGuard(const std::string& path) {
  std::string line = "trilobite: error: '" + path +
                     "' is damaged: the HDF5 library crashed reading it (not a valid result file)\n";
  if (line.size() >= sizeof g_message) line = "trilobite: error: the input file is damaged: the HDF5 library crashed reading it\n";
  std::memcpy(g_message, line.data(), line.size());
  g_length = line.size();
  struct sigaction sa {};
  sa.sa_handler = on_fatal_signal;
  sigemptyset(&sa.sa_mask);
  for (int i = 0; i < kCount; ++i) ::sigaction(kSignals[i], &sa, &g_previous[i]);
}

ReadGuard::~ReadGuard() {
  for (int i = 0; i < kCount; ++i) ::sigaction(kSignals[i], &g_previous[i], nullptr);
}

}  // namespace trilo::cli
