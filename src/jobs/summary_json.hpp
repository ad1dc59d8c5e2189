// `--json`: a run's summary as one JSON object (the minima table, counts,
// timings, output path) for scripts; README.md "Output for scripts" lists the fields.
#pragma once

#include <string>

#include "backend/backend.hpp"
#include "config/run_config.hpp"
#include "jobs/jobs.hpp"

namespace trilo::jobs {

// One line of JSON; `xdmf_path` empty: none written (null). Non-finite numbers are null; strings are valid UTF-8
// (invalid bytes replaced), so every JSON parser accepts the result.
std::string json_summary(const config::RunConfig& cfg, const config::Resolved& r,
                         const backend::Backend& be, const JobResult& res, double total_seconds,
                         const std::string& xdmf_path);

}  // namespace trilo::jobs
