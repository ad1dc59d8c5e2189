#include "jobs/interrupt.hpp"

#include <csignal>

namespace trilo::jobs {

namespace {
volatile std::sig_atomic_t g_signal = 0;
extern "C" void on_signal(int sig) { g_signal = sig; }
}  // namespace

void install_interrupt_handlers() {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
}

void check_interrupted() {
  if (g_signal != 0) throw Interrupted();
}

}  // namespace trilo::jobs
