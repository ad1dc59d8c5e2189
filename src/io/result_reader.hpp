// Reads a result file back into plain structs (for `trilobite info`, tests
// and tools), and describes it in words.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/known_minima.hpp"
#include "analysis/minima.hpp"
#include "backend/backend.hpp"
#include "io/network_io.hpp"
#include "io/result_writer.hpp"

namespace trilo::io {

struct GridData {
  GridAxes axes;
  // n1 x n0 values, row-major (index i1 * n0 + i0); grad1 empty for a 1-D grid.
  std::vector<double> loss, grad0, grad1, grad_norm;
};

struct BasinData {
  GridAxes axes;
  std::vector<std::int32_t> label;  // per cell, as GridData
  std::vector<std::int64_t> steps;
  std::vector<std::int8_t> status;
  std::vector<double> fraction;  // per minimum
  double unconverged_fraction = 0;
  bool has_metrics = false;  // files written before the basin metrics have none
  analysis::BasinMetrics metrics;
};

// /known_minima, as written by write_known_minima.
struct KnownMinimaData {
  std::vector<KnownMinimum> known;
  analysis::KnownMatch match;
};

struct ResultData {
  std::string path;
  Attributes attributes;  // root attributes, in the order written
  bool has_grid = false, has_descents = false, has_minima = false, has_basins = false,
       has_trajectories = false, has_known_minima = false, has_critical = false,
       has_connections = false, has_sweep = false;
  GridData grid;
  backend::DescentBatch descents;            // first = 0, count = every descent
  std::vector<std::int32_t> descent_labels;  // per descent, -1: none
  analysis::MinimaTable minima;
  BasinData basins;
  std::vector<backend::Trajectory> trajectories;  // padding removed
  int trajectory_dim = 0;
  KnownMinimaData known_minima;
  analysis::CriticalTable critical;    // /critical
  analysis::Connections connections;   // /connections
  analysis::SweepTable sweep;
  // A network landscape's file (docs/format.md, "Network files"): its
  // minima and the status of every training; the analytic groups are absent.
  bool network = false;
  bool has_plane = false;      // /plane (src/io/plane_io.hpp): grid over a network, or a network run
  bool has_trainings = false;  // /descents and /minima of trainings: descend, basins, run
  NetworkMinima network_minima;
  std::vector<std::int8_t> network_status;

  // The root attribute `name`, or nullptr.
  const AttrValue* attribute(const std::string& name) const;
};

// Throws std::runtime_error "'<path>' is not a trilobite result file (...)"
// for a file that is not HDF5 or lacks our format_version/program
// attributes, and a one-line message for anything else that fails.
ResultData read_result(const std::string& path);

// Provenance, groups and their shapes, descent outcomes and the minima table.
std::string describe_result(const ResultData& r);

// The run's resolved options as TOML (root attribute `config`) under a
// comment saying how to replay them; throws std::runtime_error when the
// file stores none (src/io/stored_config.cpp).
std::string stored_config(const ResultData& r);

// An attribute value as text: numbers with full precision, arrays as [a, b].
std::string attr_text(const AttrValue& v);

}  // namespace trilo::io
