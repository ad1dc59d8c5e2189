// SIGINT and SIGTERM: the work in flight (one chunk or tile) finishes, then
// the job stops by throwing Interrupted; main() prints its message and exits
// with status 130. The unfinished result file is removed (the target is left
// as it was); a checkpointed job's `<target>.partial` stays, closed cleanly,
// for --resume.
#pragma once

#include <stdexcept>
#include <string>

namespace trilo::jobs {

class Interrupted : public std::runtime_error {
 public:
  Interrupted() : std::runtime_error("interrupted; no result file written") {}
  explicit Interrupted(const std::string& what) : std::runtime_error(what) {}
};

// Installs the handlers (idempotent).
void install_interrupt_handlers();
// Throws Interrupted once a signal has arrived.
void check_interrupted();
// Whether a signal has arrived (for a loop that waits on something else).
bool interrupt_pending();

}  // namespace trilo::jobs
