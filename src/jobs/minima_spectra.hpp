// After the trainings of a network landscape: the Hessian eigenvalue
// density at the most populous minima (stochastic Lanczos quadrature on
// exact Hessian-vector products) and the loss barriers between pairs of
// them (straight lines, and trained quadratic Bezier paths when asked), in
// float64 over the whole training set (docs/networks.md).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <vector>

#include "config/network_config.hpp"
#include "io/network_io.hpp"
#include "io/spectra_io.hpp"

namespace trilo::jobs {

// The indices of the k most populous minima, most populous first (ties:
// the lower index, i.e. the lower loss).
std::vector<int> most_populous(const std::vector<std::int64_t>& count, std::int64_t k);

struct MinimaSpectra {
  io::MinimaDensity density;    // empty without --density
  io::MinimaBarriers barriers;  // empty with fewer than two minima examined
  int barrier_minima = 0;       // minima the barriers were computed among
  bool barriers_asked = false;  // --barrier-minima above 0
  double seconds = 0;
};

// Both, as `net` asks; a note on `log` (when not null) before the work.
MinimaSpectra examine_minima(const config::NetworkResolved& nr, const config::NetworkConfig& net,
                             const io::NetworkMinima& mt, std::ostream* log);

// Adds them to the file (after /minima is written).
void write_minima_spectra(hid_t file, const MinimaSpectra& s, const io::NetworkMinima& mt);

// The summary after the minima table: the density's support and mean per
// examined minimum, sharpness against test accuracy, the barrier matrix.
void print_minima_spectra(std::ostream& out, const MinimaSpectra& s, const io::NetworkMinima& mt);

}  // namespace trilo::jobs
