// Minima of networks are functions. Hidden units can be permuted and some
// directions in weight space are flat, so two trainings that found the same
// function can end far apart in weights; their outputs on a fixed set of
// probe inputs tell them apart instead. Two end points are one minimum when
// the RMS difference of their probe outputs (softmax probabilities, sigmoid
// outputs, or raw outputs for mse) is at most `tol`.
#pragma once

#include <cstdint>
#include <vector>

namespace trilo::analysis {

class FunctionClusters {
 public:
  // width: probe rows x outputs per end point.
  FunctionClusters(std::int64_t width, double tol);

  // The cluster of one end point's probe outputs: the nearest existing
  // representative within tol (ties: the earlier), else a new cluster with
  // this end point as its representative. Called in run order, the result
  // depends on the runs only, not on chunking or threads.
  int add(const double* outputs);
  int size() const { return static_cast<int>(reps_.size() / static_cast<std::size_t>(width_)); }
  // RMS difference of two output vectors of this width.
  double distance(const double* a, const double* b) const;
  // The representatives' outputs (size() x width), to be saved, and a
  // saved set put back (a resumed run goes on where it stopped).
  const std::vector<double>& representatives() const { return reps_; }
  void restore(std::vector<double> reps);

 private:
  std::int64_t width_;
  double tol_;
  std::vector<double> reps_;
};

}  // namespace trilo::analysis
