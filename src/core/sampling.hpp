// Where descents start and where grids are evaluated: pure functions of an
// index, so any backend, thread or chunk computes the same point.
#pragma once

#include <cstdint>

#include "core/hd.hpp"
#include "core/rng.hpp"

namespace trilo {

// A 1-D or 2-D lattice of points in the box, on a plane through the space:
// coordinate axis0 (and axis1) vary, every other coordinate stays at origin.
// Point index = i1 * n0 + i0 (axis0 varies fastest).
struct PlaneSpec {
  int dim = 2;
  int axis0 = 0;
  int axis1 = 1;  // -1: a 1-D grid along axis0
  std::int64_t n0 = 1, n1 = 1;
  double lo0 = 0, hi0 = 0, lo1 = 0, hi1 = 0;
  double origin[kMaxDim] = {};

  TRILO_HD std::int64_t size() const { return n0 * (axis1 < 0 ? 1 : n1); }
};

// Node k of n equally spaced nodes on [lo, hi], endpoints included. Written
// as a weighted sum so that a box symmetric about 0 gives nodes that are
// exact negatives of each other (and symmetric landscapes symmetric maps);
// mul_rn keeps nvcc from fusing it, so every backend gets the same nodes.
TRILO_HD_INLINE double lattice_node(double lo, double hi, std::int64_t k, std::int64_t n) {
  if (n <= 1) return 0.5 * (lo + hi);
  return (mul_rn(lo, double(n - 1 - k)) + mul_rn(hi, double(k))) / double(n - 1);
}

template <class T>
TRILO_HD void plane_point(const PlaneSpec& p, std::int64_t index, T* x) {
  for (int i = 0; i < p.dim; ++i) x[i] = T(p.origin[i]);
  std::int64_t i0 = index % p.n0, i1 = index / p.n0;
  x[p.axis0] = T(lattice_node(p.lo0, p.hi0, i0, p.n0));
  if (p.axis1 >= 0) x[p.axis1] = T(lattice_node(p.lo1, p.hi1, i1, p.n1));
}

enum class StartMode : int { kRandom, kExplicit, kPlane };

struct StartSpec {
  StartMode mode = StartMode::kRandom;
  int dim = 2;
  std::uint64_t seed = 0;
  double lo[kMaxDim] = {};  // random: the box
  double hi[kMaxDim] = {};
  const double* points = nullptr;  // explicit: rows x dim, row-major (backend memory) ...
  std::int64_t points_first = 0;   // ... whose row 0 is start number points_first
  PlaneSpec plane;                 // plane: the basin-map lattice
};

// Start `index`, in float64 (converted to the run's precision by the caller).
// Random starts: x_i = lo_i + u_i (hi_i - lo_i), with one fused multiply-add
// so the result is correctly rounded and identical on every backend.
TRILO_HD_INLINE void start_point(const StartSpec& s, std::int64_t index, double* x) {
  switch (s.mode) {
    case StartMode::kRandom: {
      Philox rng{s.seed};
      for (int b = 0; 2 * b < s.dim; ++b) {
        double u[2];
        uniform_pair(rng, static_cast<std::uint64_t>(index), RngStream::kStart, 0,
                     static_cast<std::uint32_t>(b), u);
        for (int k = 0; k < 2 && 2 * b + k < s.dim; ++k) {
          int i = 2 * b + k;
          x[i] = trilo::fma(u[k], s.hi[i] - s.lo[i], s.lo[i]);
        }
      }
      break;
    }
    case StartMode::kExplicit:
      for (int i = 0; i < s.dim; ++i) x[i] = s.points[(index - s.points_first) * s.dim + i];
      break;
    case StartMode::kPlane:
      plane_point(s.plane, index, x);
      break;
  }
}

}  // namespace trilo
