// The sweep job: the same starts descended once per value of one optimizer
// setting, all end points merged into one minima table, tabulated per value.
#pragma once

#include "analysis/minima.hpp"
#include "analysis/sweep_table.hpp"
#include "backend/backend.hpp"
#include "config/run_config.hpp"
#include "io/checkpoint.hpp"

namespace trilo::jobs {

// `base` is the run's descent request; each value replaces one setting of
// its params. Common random numbers: every value sees the same seed, start
// points and noise streams, so differences between values come from the
// setting alone. With noise, each end point that stayed in bounds is
// descended again without noise (the quench): where that converges is where
// the start settled. Fills `minima` (labels of all n_values x n_starts
// descents, row-major by value) and returns the per-value table. Depends
// only on the inputs and seed, never on threads or chunk size.
//
// This is the library form: it keeps the quench end points in memory. The
// command (run_sweep_command) streams them through its checkpoint, whose
// streams are sweep_streams() and whose counters are the sweep rows and the
// quench rows committed.
std::vector<io::StreamSpec> sweep_streams(int dim);

analysis::SweepTable run_sweep(const config::RunConfig& c, const config::Resolved& r,
                               backend::Backend& be, const backend::DescentRequest& base,
                               analysis::MergeResult& minima);

// Sets the named setting (lr, momentum, beta1, beta2, rho, eps, noise) of `p`.
void set_swept_parameter(DescentParams& p, const std::string& name, double v);

}  // namespace trilo::jobs
