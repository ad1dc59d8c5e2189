// `trilobite sweep --model ...`: the same trainings (the same initial
// weights, keyed by the seed and the run index, and the same batch orders,
// keyed by the seed, the run and the epoch) once per value of one optimizer
// setting, or per pair of values of two, trained by the network job
// (jobs/network_job.hpp) as rows of one job: row s x n + i is run i with
// setting s. Their minima by function form one table over all rows, so a
// minimum means the same function at every value; per setting, the share
// of trainings in each minimum and a summary of how they ended
// (docs/networks.md, "Sweeps").
#pragma once

#include <iosfwd>

#include "analysis/sweep_table.hpp"
#include "config/network_config.hpp"
#include "io/network_io.hpp"
#include "jobs/network_job.hpp"

namespace trilo::jobs {

// Parses --vary for a network landscape and makes `nr` a sweep: every
// setting's training parameters, nr.runs the trainings of all settings.
// BadInput (one line) for a setting trainings have no use for, before any
// training.
void resolve_network_sweep(const config::RunConfig& c, config::NetworkResolved& nr);

struct NetworkSweepResult {
  analysis::SweepTable table;       // what every sweep writes in /sweep
  io::NetworkSweepOutcomes outcomes;  // what a network sweep adds
};

// The per-setting tables from the trainings' outcomes and minima.
NetworkSweepResult tabulate_network_sweep(const config::NetworkResolved& nr, const NetworkResult& res);

// The per-setting summary and each setting's most populous minima.
void print_network_sweep(std::ostream& out, const NetworkSweepResult& s, const io::NetworkMinima& minima);

}  // namespace trilo::jobs
