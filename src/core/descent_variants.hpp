// Variants of the CUDA backend's descent kernel, to measure each lever of
// DescentTuning (core/descent.hpp) and of several descents a thread
// (core/descent_interleaved.hpp) against the general kernel on one device,
// side by side. The diagnostic TRILOBITE_DESCENT_KERNEL names one: general
// (the default), hoist (bounds in the landscape's precision, converted
// once), step32 (a 32-bit step counter), gd (gradient descent's update only,
// no run-time switch), tuned (gd and step32, the two that lower the
// kernel's registers), fixed (loops to the landscape's fixed dimension:
// point and gradient in registers), tuned-fixed (gd, step32 and fixed);
// ilp2 (two descents a thread, interleaved, on half as many threads),
// tuned-fixed-ilp2 and tuned-fixed-ilp4 (tuned-fixed with two or four a
// thread). They are compiled for quartic-dimple in float32 alone, the bench
// case of bench/RESULTS.md (kernels/descend.cu); elsewhere, or where a
// variant does not apply (another optimizer, more steps than 32 bits
// count), the general kernel runs. Every variant computes exactly what the
// general kernel does.
#pragma once

#include <string>

#include "core/optimizers.hpp"

namespace trilo {

struct DescentVariant {
  const char* name;
  int optimizer;   // DescentTuning's Optimizer: -1 any, else gradient descent alone
  bool hoist;      // DescentTuning's HoistBounds
  bool step32;     // a 32-bit StepType
  bool fixed_dim;  // DescentTuning's FixedDim
  int per_thread;  // descents a thread (descend_interleaved above 1)
};

inline constexpr int kGdKind = static_cast<int>(OptimizerKind::kGd);
inline constexpr DescentVariant kDescentVariants[] = {
    {"general", -1, false, false, false, 1},
    {"hoist", -1, true, false, false, 1},
    {"step32", -1, false, true, false, 1},
    {"gd", kGdKind, false, false, false, 1},
    {"tuned", kGdKind, false, true, false, 1},
    {"fixed", -1, false, false, true, 1},
    {"tuned-fixed", kGdKind, false, true, true, 1},
    {"ilp2", -1, false, false, false, 2},
    {"tuned-fixed-ilp2", kGdKind, false, true, true, 2},
    {"tuned-fixed-ilp4", kGdKind, false, true, true, 4},
};
inline constexpr int kDescentVariantCount = sizeof(kDescentVariants) / sizeof(kDescentVariants[0]);

// The index of the variant called `name`, or -1.
inline int descent_variant_index(const std::string& name) {
  for (int i = 0; i < kDescentVariantCount; ++i)
    if (name == kDescentVariants[i].name) return i;
  return -1;
}

// "general, hoist, ...": every variant's name.
inline std::string descent_variant_names() {
  std::string names;
  for (int i = 0; i < kDescentVariantCount; ++i) names += std::string(i ? ", " : "") + kDescentVariants[i].name;
  return names;
}

}  // namespace trilo
