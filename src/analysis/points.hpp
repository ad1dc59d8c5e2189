// Shared pieces of turning raw end points into a table of distinct,
// described points (minima.cpp for descents, critical.cpp for the
// critical-point census): exact local derivatives, Newton polish, Hessian
// classification, clustering, and the loss order. Internal to src/analysis.
#pragma once

#include <Eigen/Dense>
#include <array>
#include <map>
#include <unordered_map>
#include <vector>

#include "analysis/minima.hpp"
#include "analysis/plateau.hpp"
#include "core/catalog.hpp"

namespace trilo::analysis::detail {

using Vec = Eigen::VectorXd;
using Mat = Eigen::MatrixXd;

// Exact float64 value, gradient and Hessian of the landscape at x.
struct Local {
  double value;
  Vec grad;
  Mat hess;
};
Local evaluate(const LandscapeSpec& spec, const Vec& x);

// Newton's method on the gradient (pseudo-inverse: directions of near-zero
// curvature are left alone, so saddles and flat valleys stay put). The
// result is kept only if it stays within `radius` of x0 and lowers the
// gradient norm; otherwise x0 is returned.
Vec polish(const LandscapeSpec& spec, const Vec& x0, double radius);

// Hessian eigenvalues, ascending (NaN when the Hessian is not finite).
Vec eigenvalues(const Mat& hess);
// Number of eigenvalues below -eps, and of |eigenvalue| <= eps, with
// eps = rel_tol * max(1, max |eigenvalue|).
struct Inertia {
  int negative = 0, zero = 0;
};
Inertia inertia(const Vec& lam, double rel_tol);
PointKind classify(const Vec& lam, double rel_tol);

// 1e-3 x the box diagonal when tol <= 0, else tol.
double effective_merge_tol(double tol, const std::vector<double>& lo, const std::vector<double>& hi);

// Clusters of points: a point joins the nearest cluster whose first member
// lies within tol (ties to the lower id), found through a hash of the first
// (up to) three coordinates on cells of size tol, so only 3^k neighbouring
// cells are read.
class Clusters {
  using Key = std::array<long long, 3>;

 public:
  Clusters(int dim, double tol);
  int assign(const double* x);  // the cluster's id (new ones numbered in order)
  // The cluster assign would put x in, or -1 where it would start a new one;
  // changes nothing, so threads may call it together.
  int nearest(const double* x) const;
  // Appends a cluster with this first member without searching (restoring
  // saved clusters: each was new when first assigned, so the ids match).
  int append(const double* x);
  // The clusters in the 3^k cells around x's (those nearest() compares x with).
  std::vector<int> near(const double* x) const;
  int size() const { return static_cast<int>(rep_.size() / dim_); }
  const double* rep(int id) const { return &rep_[id * dim_]; }
  const std::vector<double>& reps() const { return rep_; }  // size() x dim, by id

  // nearest() for many points, on one thread: it keeps the candidate
  // clusters of the last cells it searched, so points that fall in the
  // cells of a few minima are compared with those clusters without reading
  // the cell map. The same answers as nearest(); valid while the clusters
  // do not change.
  class Finder {
   public:
    explicit Finder(const Clusters& c) : c_(c) {}
    int operator()(const double* x);

   private:
    struct Entry {
      bool used = false;
      Key key{};
      std::vector<int> ids;  // the clusters in the 3^k cells around key
    };
    const Clusters& c_;
    std::array<Entry, 16> cache_;
  };

 private:
  struct KeyHash {
    std::size_t operator()(const Key& k) const;
  };
  Key key_of(const double* x) const;
  // Calls f(ids) for each cell around `home` that holds clusters.
  template <class F>
  void for_each_near(const Key& home, F&& f) const;
  // Among `ids`, a cluster nearer to x than (best_d2, best), ties to the lower id.
  void closer(const double* x, const std::vector<int>& ids, int& best, double& best_d2) const;
  int dim_;
  double tol_;
  int k_;
  std::vector<double> rep_;
  std::unordered_map<Key, std::vector<int>, KeyHash> cells_;
};

// Indices 0..m-1 by increasing value; values within 1e-9 (relative, or
// absolute below 1) are ties, ordered by position with coordinates closer
// than tol / 2 taken as equal, so the order does not flip with the last
// bits of the arithmetic.
std::vector<int> loss_order(const std::vector<double>& value, const std::vector<Vec>& points,
                            double tol);

// The described columns of a table of m points in `order` (row r is point
// order[r]): position, loss, gradient norm, ascending Hessian eigenvalues and
// kind. Resizes every column; returns each row's eigenvalues' inertia.
struct PointColumns {
  std::vector<double>& position;
  std::vector<double>& loss;
  std::vector<double>& grad_norm;
  std::vector<double>& eigenvalues;
  std::vector<std::int8_t>& kind;
};
std::vector<Inertia> fill_point_rows(const std::vector<Vec>& points, const std::vector<Local>& local,
                                     const std::vector<int>& order, double eig_rel_tol,
                                     const PointColumns& out);

// The points that stay table rows and the plateaus the flat ones form
// (plateau.hpp): plateau_of[p] is point p's plateau, or -1 for a kept
// point. The scale's loss range is widened by the points' own losses.
struct PlateauSplit {
  std::vector<int> kept;        // indices of the points that stay rows, ascending
  std::vector<Plateau> plateaus;  // counts left zero
  std::vector<int> plateau_of;
};
PlateauSplit split_plateaus(const std::vector<Vec>& points, const std::vector<Local>& local,
                            const LandscapeScale& scale, double rel_tol);

// The rows a split keeps, sorted by loss (ties by position): their points
// and descriptions in split order, where point p sits among them (kept_of,
// -1 for a plateau's point), the loss order and each row's rank in it.
struct KeptRows {
  std::vector<Vec> points;
  std::vector<Local> local;
  std::vector<int> kept_of, order, rank;
};
KeptRows kept_rows(const PlateauSplit& split, const std::vector<Vec>& points, const std::vector<Local>& all_local,
                   double tol);

}  // namespace trilo::analysis::detail
