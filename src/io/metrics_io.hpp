// The analysis results beyond the minima table in the file: the /minima interval and
// percentile columns, the basin-geometry attributes of /basins, and the
// /sweep group (docs/format.md). Internal to src/io; the writer and reader
// call these with their open groups.
#pragma once

#include "analysis/basin_metrics.hpp"
#include "analysis/minima.hpp"
#include "analysis/sweep_table.hpp"
#include "io/hdf5_util.hpp"

namespace trilo::io::metrics {

// fraction_ci_lo/hi, basin_fraction_ci_lo/hi, steps_p50/p90/p99 in /minima,
// laid on the `minimum` scale.
void write_minima_statistics(hid_t minima, hid_t minimum_scale, const analysis::MinimaTable& t);
// Reads them where present (files written before they existed have none).
void read_minima_statistics(hid_t minima, analysis::MinimaTable& t);

// The /plateaus group (flat points gathered by the minima table or the
// critical census), written only when there is at least one; read back
// (empty when the file has none).
void write_plateaus(hid_t file, const std::vector<analysis::Plateau>& p, int dim);
std::vector<analysis::Plateau> read_plateaus(hid_t file, int dim);

void write_basin_metrics(hid_t basins, const analysis::BasinMetrics& m);
// False (and `m` untouched) when the group has no basin_entropy attribute.
bool read_basin_metrics(hid_t basins, analysis::BasinMetrics& m);

void write_sweep(hid_t file, const analysis::SweepTable& s);
analysis::SweepTable read_sweep(hid_t file);

}  // namespace trilo::io::metrics
