// Learning-rate schedules, written once for every landscape, network or
// analytic, on both backends: the rate of optimizer step t (0-based) as a
// pure function of t, so a resumed or re-chunked run takes the same steps.
#pragma once

#include <cstdint>

#include "core/hd.hpp"

namespace trilo {

enum class ScheduleKind : int { kConstant, kStep, kExp, kCosine };

struct LrSchedule {
  ScheduleKind kind = ScheduleKind::kConstant;
  std::int64_t every = 1000;   // kStep: the rate is multiplied by gamma every `every` steps
  double gamma = 0.1;          // kStep: factor per period; kExp: factor per step
  std::int64_t horizon = 0;    // kCosine: steps from the base rate down to min_lr (after warm-up)
  double min_lr = 0.0;         // kCosine: the floor it decays to
  std::int64_t warmup = 0;     // linear warm-up from base/warmup to base over the first steps
};

// Whether the rate changes with the step at all (a loop that calls lr_at
// may skip it when not).
TRILO_HD_INLINE bool schedule_varies(const LrSchedule& s) {
  return s.kind != ScheduleKind::kConstant || s.warmup > 0;
}

// The rate of step t. Warm-up (step t < warmup) scales the rate linearly by
// (t + 1) / warmup, from base / warmup at step 0 up to base at step
// warmup - 1 (as torch.optim.lr_scheduler.LinearLR with start_factor
// 1 / warmup); the schedule proper then starts counting from 0, so a step
// schedule's first period and a cosine's horizon begin after the warm-up.
// A cosine with horizon <= 0 has no decay to make and stays at min_lr; a
// step schedule with every <= 0 never steps. Callers that take these from a
// user (the command line) refuse such values.
TRILO_HD_INLINE double lr_at(const LrSchedule& s, double base, std::int64_t t) {
  if (t < s.warmup) return base * static_cast<double>(t + 1) / static_cast<double>(s.warmup);
  const std::int64_t u = t - s.warmup;
  switch (s.kind) {
    case ScheduleKind::kConstant:
      return base;
    case ScheduleKind::kStep: {
      const std::int64_t k = s.every > 0 ? u / s.every : 0;
      return base * ::pow(s.gamma, static_cast<double>(k));
    }
    case ScheduleKind::kExp:
      return base * ::pow(s.gamma, static_cast<double>(u));
    case ScheduleKind::kCosine: {
      if (s.horizon <= 0 || u >= s.horizon) return s.min_lr;
      const double c = ::cos(kPi * static_cast<double>(u) / static_cast<double>(s.horizon));
      return s.min_lr + 0.5 * (base - s.min_lr) * (1.0 + c);
    }
  }
  return base;
}

}  // namespace trilo
