// Running a job in process from a test: validated like the CLI, on the CPU
// backend, without a result file.
#pragma once

#include "config/run_config.hpp"
#include "jobs/jobs.hpp"

namespace trilo::test {

inline jobs::JobResult run_job(config::RunConfig c, int threads = 2) {
  c.output = "/tmp/unused.h5";  // validated only; nothing is written without a writer
  config::Resolved r = config::validate(c);
  auto be = backend::make_cpu_backend(threads);
  return jobs::execute_job(c, r, *be, nullptr);
}

}  // namespace trilo::test
