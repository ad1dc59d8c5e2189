// SIGINT and SIGTERM: the work in flight (one chunk or tile) finishes, then
// the job stops by throwing Interrupted; main() exits with status 130 and the
// unfinished result file is removed (the target is left as it was).
#pragma once

#include <stdexcept>

namespace trilo::jobs {

class Interrupted : public std::runtime_error {
 public:
  Interrupted() : std::runtime_error("interrupted") {}
};

// Installs the handlers (idempotent).
void install_interrupt_handlers();
// Throws Interrupted once a signal has arrived.
void check_interrupted();

}  // namespace trilo::jobs
