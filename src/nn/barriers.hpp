// Loss barriers between two weight vectors a and b of one network: the
// loss along a path from a to b, over a whole batch in float64, and its
// height above the higher end. Paths are quadratic Bezier curves
//   theta(t) = (1-t)^2 a + 2t(1-t) c + t^2 b,   t in [0, 1],
// with the straight line as the case c = (a + b) / 2; the control point c
// can be trained by SGD on the loss averaged over t uniform in [0, 1]
// (Garipov et al. 2018, "Loss Surfaces, Mode Connectivity, and Fast
// Ensembling of DNNs").
#pragma once

#include <cstdint>
#include <vector>

#include "nn/model.hpp"
#include "nn/train.hpp"

namespace trilo::nn {

// t_k = k / (points - 1), k = 0 .. points-1: both ends included.
std::vector<double> path_points(int points);

// theta(t) into out (params() entries), written as
//   a + 2t(1-t)(c - a) + t^2 (b - a)   (c null: a + t (b - a)),
// so a path from a point to itself stays on it exactly; at t = 1 it is b.
void path_weights(std::int64_t params, const double* a, const double* b, const double* c, double t, double* out);

// The loss (mean over the set, plus the L2 term) at theta(t) for each t, in
// float64 (evaluate_set).
std::vector<double> path_losses(const Model& m, const double* a, const double* b, const double* c,
                                const Dataset& set, const std::vector<double>& ts);

// max over the path's losses minus the larger of its two end losses (the
// first and last entries); NaN when any loss is not finite. Never negative
// when the ends are among the points.
double barrier_height(const std::vector<double>& losses);

// Training of a Bezier control point between a and b.
struct BezierTraining {
  std::int64_t steps = 0;   // SGD steps
  double lr = 0.1;          // learning rate
  std::int64_t batch = 0;   // rows per step, drawn with replacement; 0: the whole set
  std::uint64_t seed = 1;
  std::uint64_t pair = 0;   // which pair: part of the Philox key
  bool (*stop)() = nullptr; // asked before each step: true ends the training there (an interrupted run)
};

// The control point after `steps` SGD steps from the midpoint (a + b) / 2:
// step s draws t uniform in [0, 1) and the batch's rows from Philox keyed
// by (seed, pair, stream kPath, step s), then
//   c <- c - lr * 2t(1-t) * grad L_batch(theta(t)).
// Stops early, returning the last finite control point, if the loss or the
// gradient stops being finite, and where it is when `stop` says so.
std::vector<double> train_bezier_control(const Model& m, const double* a, const double* b,
                                         const Dataset& train, const BezierTraining& p);

}  // namespace trilo::nn
