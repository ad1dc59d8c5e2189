// Counter-based randomness (Philox4x32-10 from Random123). Every random number
// is a pure function of (seed, index, stream, step, block), so the same seed
// gives the same numbers on CPU and GPU for any thread count or chunk size.
#pragma once

#include <Random123/philox.h>

#include "core/hd.hpp"

namespace trilo {

// What a random number is for; part of the counter so streams never overlap.
enum class RngStream : std::uint32_t {
  kStart = 1,       // uniform start positions of random descents
  kNoise = 2,       // gradient noise of random or explicit descents
  kBasinNoise = 3,  // gradient noise of basin-map descents
  kData = 4,        // generated data sets (src/nn/data): sample index, feature
  kSplit = 5,       // --test-fraction: which rows form the test set
  kInit = 6,        // initial weights of network trainings: run, layer, entry
  kBatch = 7,       // mini-batch order: run, epoch
  kProbe = 8,       // the probe rows that tell network minima apart
  kDirection = 9,   // random directions of planes through weight space
  kPath = 10,       // curves between network minima: t and mini-batch rows of each step
};

struct Philox {
  std::uint64_t seed;

  // Four 32-bit words for (index, stream, step, block).
  TRILO_HD r123::Philox4x32::ctr_type words(std::uint64_t index, RngStream stream,
                                            std::uint32_t step, std::uint32_t block) const {
    r123::Philox4x32 gen;
    r123::Philox4x32::ctr_type ctr = {{static_cast<std::uint32_t>(index),
                                       static_cast<std::uint32_t>(index >> 32),
                                       (static_cast<std::uint32_t>(stream) << 24) | block, step}};
    r123::Philox4x32::key_type key = {
        {static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}};
    return gen(ctr, key);
  }
};

// Exact conversions (integer arithmetic and a power-of-two scale), so host
// and device produce the same bits: 53 random bits to [0, 1) and to (0, 1].
TRILO_HD_INLINE double to_unit_closed_open(std::uint32_t hi, std::uint32_t lo) {
  std::uint64_t bits = ((static_cast<std::uint64_t>(hi) << 32) | lo) >> 11;
  return static_cast<double>(bits) * 0x1p-53;
}
TRILO_HD_INLINE double to_unit_open_closed(std::uint32_t hi, std::uint32_t lo) {
  std::uint64_t bits = ((static_cast<std::uint64_t>(hi) << 32) | lo) >> 11;
  return static_cast<double>(bits + 1) * 0x1p-53;
}

// Two uniforms in [0, 1) for coordinates 2*block and 2*block+1.
TRILO_HD_INLINE void uniform_pair(const Philox& rng, std::uint64_t index, RngStream stream,
                                  std::uint32_t step, std::uint32_t block, double* u) {
  auto w = rng.words(index, stream, step, block);
  u[0] = to_unit_closed_open(w[0], w[1]);
  u[1] = to_unit_closed_open(w[2], w[3]);
}

// Two standard normals (Box-Muller) for components 2*block and 2*block+1.
// Computed in T: bitwise equal across backends only up to libm rounding.
template <class T>
TRILO_HD void normal_pair(const Philox& rng, std::uint64_t index, RngStream stream,
                          std::uint32_t step, std::uint32_t block, T* z) {
  auto w = rng.words(index, stream, step, block);
  T u1 = T(to_unit_open_closed(w[0], w[1]));
  T u2 = T(to_unit_closed_open(w[2], w[3]));
  T r = sqrt(T(-2) * log(u1));
  T a = T(2.0 * kPi) * u2;
  z[0] = r * cos(a);
  z[1] = r * sin(a);
}

}  // namespace trilo
