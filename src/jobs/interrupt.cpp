#include "jobs/interrupt.hpp"

#include <csignal>

#include "jobs/ranks.hpp"

namespace trilo::jobs {

namespace {
volatile std::sig_atomic_t g_signal = 0;
extern "C" void on_signal(int sig) { g_signal = sig; }
}  // namespace

void install_interrupt_handlers() {
  // The writer alone stops cleanly (it holds the checkpoint); another rank
  // of an MPI job ends at once on SIGINT/SIGTERM.
  if (!is_writer()) return;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
}

void check_interrupted() {
  if (g_signal != 0) throw Interrupted();
}

bool interrupt_pending() { return g_signal != 0; }

}  // namespace trilo::jobs
