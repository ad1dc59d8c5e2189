// A plane (or line) through a network's weight space in the result file
// (docs/format.md, "Plane files"): /plane with the loss and accuracy maps
// over the dimension scales alpha (and beta), the center and the
// directions, so that any point can be recomputed; and the weight vectors a
// plane is built from: a run of a network result file, a weights file
// (text or an HDF5 dataset), a recorded trajectory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "io/result_writer.hpp"

namespace trilo::io {

struct PlaneMaps {
  GridAxes axes;  // alpha (and beta): n0 (x n1) nodes
  int k = 2;      // directions: 1 for a line
  std::int64_t params = 0;
  std::vector<double> center;      // P
  std::vector<double> directions;  // k x P
  // n1 x n0 (index i1 * n0 + i0), as every lattice; test_* empty without a test set.
  std::vector<double> loss, accuracy, test_loss, test_accuracy;
  // A trajectory projected onto the plane (pca), one entry per record.
  std::vector<double> path_alpha, path_beta;
  Attributes attributes;  // of /plane: how the directions were made, barrier, ...
  Attributes file_attributes;  // the root's (read_plane only): model, data, provenance
  bool has_test() const { return !test_loss.empty(); }
};

// Writes /plane. The maps are created first, so a reader that takes a
// group's first 2-D dataset as its lattice (the XDMF writer) finds them.
void write_plane(ResultWriter& file, const PlaneMaps& p);

// Whether the file at `path` has a /plane group (false for any file that
// cannot be opened as HDF5).
bool has_plane(const std::string& path);
// Reads /plane back; throws std::runtime_error naming the file on failure.
PlaneMaps read_plane(const std::string& path);
// The lines `trilobite info` prints for /plane.
std::string describe_plane(const std::string& path);

// One weight vector of P entries from `spec`:
//   FILE:RUN       row RUN of /descents/end of a network result file
//   FILE:/DATASET  an HDF5 dataset holding P numbers (any shape)
//   FILE           a text file of P numbers separated by commas, spaces or
//                  line breaks (a CSV column or row; '#' starts a comment)
// `model` (mlp:...) is checked against a result file's /network model.
// Throws std::runtime_error with one line (without the spec) on failure.
std::vector<double> read_weights(const std::string& spec, const std::string& model, std::int64_t params);

// The weights recorded along one traced training (/trajectories/position
// of a network file trained with --trace --trace-weights): `spec` is FILE
// (the first traced training) or FILE:RUN (the training RUN of /descents).
struct RecordedPath {
  std::int64_t run = 0, records = 0;
  std::vector<double> weights;  // records x P
};
RecordedPath read_recorded_path(const std::string& spec, const std::string& model, std::int64_t params);

}  // namespace trilo::io
