// Readers and writers of /critical, /connections and the curvature
// datasets (docs/format.md). Internal to src/io.
#pragma once

#include <vector>

#include "analysis/connections.hpp"
#include "io/hdf5_util.hpp"

namespace trilo::io {

// hessian_trace, lambda_max, lambda_min, condition_number, log_det, one per row.
void write_curvature(hid_t group, const analysis::Curvature& c, const std::vector<hid_t>& by_row);
analysis::Curvature read_curvature(hid_t group);

void read_critical(hid_t file, analysis::CriticalTable& t);
void read_connections(hid_t file, analysis::Connections& c);

}  // namespace trilo::io
