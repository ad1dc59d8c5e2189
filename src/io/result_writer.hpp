// Writes one run's result file (HDF5, schema in docs/format.md). The file is
// built under a temporary name and only renamed onto the target by commit(),
// so a failed or interrupted run never leaves a half-written result behind.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "analysis/known_minima.hpp"
#include "analysis/connections.hpp"
#include "analysis/basin_metrics.hpp"
#include "analysis/minima.hpp"
#include "analysis/sweep_table.hpp"
#include "backend/backend.hpp"

namespace trilo::io {

// The schema version this code writes and the newest the reader accepts.
inline constexpr std::int64_t kFormatVersion = 1;

using AttrValue = std::variant<std::string, std::int64_t, std::uint64_t, double,
                               std::vector<double>, std::vector<std::int64_t>>;
using Attributes = std::vector<std::pair<std::string, AttrValue>>;

// A 1-D or 2-D lattice on a plane (see PlaneSpec).
struct GridAxes {
  std::string name0, name1;            // coordinate names, e.g. "x","y"; name1 empty for 1-D
  std::vector<double> coord0, coord1;  // node coordinates (coord1 empty for 1-D)
  int axis0 = 0, axis1 = 1;            // which coordinates of the space vary (axis1 = -1 for 1-D)
  std::vector<double> origin;          // the fixed point of the plane (size dim)

  bool one_d() const { return name1.empty(); }
  std::int64_t n0() const { return static_cast<std::int64_t>(coord0.size()); }
  std::int64_t n1() const { return one_d() ? 1 : static_cast<std::int64_t>(coord1.size()); }
};

// A further map of /basins, one value per cell (a network's final loss,
// accuracy): name, long name, values, and whether it is a fraction in [0, 1].
struct ExtraMap {
  std::string name, long_name;
  std::vector<double> values;
  bool fraction = false;
};

// Every method throws std::runtime_error with a one-line message on failure
// (HDF5's own error printing is switched off). Calls that begin a group must
// precede the calls that fill it; each group is written at most once.
class ResultWriter {
 public:
  // Creates "<target>.tmp-<pid>" in the target's directory; throws naming
  // that path if it cannot. Without `replace_existing`, commit() leaves a
  // file found at the target alone (see commit()).
  explicit ResultWriter(std::string target, bool replace_existing = true);
  // Removes the temporary file unless commit() ran.
  ~ResultWriter();
  ResultWriter(const ResultWriter&) = delete;
  ResultWriter& operator=(const ResultWriter&) = delete;

  // Root attributes (provenance); a name written twice keeps the last value.
  void write_root_attributes(const Attributes& a);

  // /grid: creates the lattice; tiles then fill it, in any order.
  void begin_grid(const GridAxes& axes);
  // t.first/t.count index the flattened lattice (i1 * n0 + i0). May be
  // called from another thread than the writer's (one at a time: the chunk
  // driver writes a tile while the next one computes).
  void write_grid_tile(const backend::GridTile& t);

  // /descents: n rows of dimension dim; batches then fill rows, in any order.
  // Row k holds descent k * every (every > 1: a sample; the `descent`
  // coordinate holds the descent indices).
  void begin_descents(std::int64_t n, int dim, std::int64_t every = 1);
  void write_descent_batch(const backend::DescentBatch& b);  // rows [b.first, b.first + b.count)
  void write_descent_labels(const std::vector<std::int32_t>& labels);  // all n
  void write_descent_labels(std::int64_t first, const std::vector<std::int32_t>& labels);

  void write_minima(const analysis::MinimaTable& t);
  // label/steps/status: one per lattice cell (i1 * n0 + i0); fraction: one per minimum.
  void write_basins(const GridAxes& axes, const std::vector<std::int32_t>& label,
                    const std::vector<std::int64_t>& steps, const std::vector<std::int8_t>& status,
                    const std::vector<double>& fraction, const std::vector<ExtraMap>& extra = {});
  void write_trajectories(const std::vector<backend::Trajectory>& t, int dim);
  // /known_minima: the documented minima and which row of /minima matched each.
  void write_known_minima(const std::vector<KnownMinimum>& known, const analysis::KnownMatch& m,
                          int dim);
  // /critical and /connections (src/io/critical_io.cpp).
  void write_critical(const analysis::CriticalTable& t);
  void write_connections(const analysis::Connections& c);
  // Basin geometry as attributes of /basins (after write_basins), and the
  // /sweep group (src/io/metrics_io.cpp).
  void write_basin_metrics(const analysis::BasinMetrics& m);
  void write_sweep(const analysis::SweepTable& s);

  // Closes the file and renames it onto the target in one atomic step,
  // replacing a file there only if the writer was built with
  // replace_existing; otherwise a file that appeared at the target since
  // the run began is left alone, the finished result kept under its
  // temporary name, and std::runtime_error thrown naming both.
  // Requires the format_version and program attributes.
  void commit();

  const std::string& temporary_path() const;
  // The open file's HDF5 id (a hid_t), for group writers in other files of src/io.
  std::int64_t file_id() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace trilo::io
