// End points reduced by merge cell (backend/reduced_cells.hpp) on every
// backend, and clustered from the cells (MinimaAccumulator::add_cells):
// the reduction against a brute-force grouping written here, and the
// clustering against the accumulator fed the end points themselves (the
// path every job takes today), state, table and labels alike. The CUDA
// cases skip cleanly when no GPU is present; the device's Thrust algorithm
// also runs on the host (support/thrust_host_backend.hpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "analysis/accumulator.hpp"
#include "analysis/points.hpp"
#include "backend/backend.hpp"
#include "backend/reduced_cells.hpp"
#include "core/cell_key.hpp"
#include "kernels/kept_columns.hpp"
#include "support/backend_makers.hpp"
#include "support/thrust_host_backend.hpp"

namespace {

using namespace trilo;
using analysis::MinimaAccumulator;
using analysis::Source;
using backend::DescentBatch;
using backend::ReducedCells;

using test::CpuBackendMaker;
using test::CudaBackendMaker;
using test::ThrustHostBackendMaker;

// The third backend runs the CUDA backend's Thrust reduction on the host.
template <class Maker>
class ReducedCellsOn : public test::BackendTest<Maker> {};
using Makers = ::testing::Types<CpuBackendMaker, CudaBackendMaker, ThrustHostBackendMaker>;
TYPED_TEST_SUITE(ReducedCellsOn, Makers);

analysis::EndPoints points_of(const DescentBatch& b) {
  return {b.end.data(), b.status.data(), b.steps.data(), b.count, b.quench.empty() ? nullptr : b.quench.data()};
}

// What the accumulator reads of a backend's cells.
analysis::Cells view(const ReducedCells& c) {
  return {c.dim,           c.cells(),        c.rows,          c.first.data(), c.position.data(),
          c.radius.data(), c.offset.data(),  c.steps.data(),  c.count.data(),
          c.cell_of.empty() ? nullptr : c.cell_of.data()};
}

// A batch of hand-made end points (all converged unless said otherwise).
DescentBatch batch_of(const std::vector<double>& end, int dim) {
  DescentBatch b;
  b.resize(static_cast<std::int64_t>(end.size()) / dim, dim);
  b.end = end;
  for (std::int64_t i = 0; i < b.count; ++i) b.steps[static_cast<std::size_t>(i)] = 10 + i % 5;
  return b;
}

void expect_same_state(const MinimaAccumulator& a, const MinimaAccumulator& b) {
  const MinimaAccumulator::State sa = a.state(), sb = b.state();
  EXPECT_EQ(sa.reps, sb.reps);
  EXPECT_EQ(sa.counters, sb.counters);
  EXPECT_EQ(sa.histogram, sb.histogram);
}

void expect_same_table(const analysis::MinimaTable& a, const analysis::MinimaTable& b) {
  EXPECT_EQ(a.n_minima, b.n_minima);
  EXPECT_EQ(a.position, b.position);
  EXPECT_EQ(a.loss, b.loss);
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.count, b.count);
  EXPECT_EQ(a.fraction, b.fraction);
  EXPECT_EQ(a.mean_steps, b.mean_steps);
  EXPECT_EQ(a.basin_count, b.basin_count);
  EXPECT_EQ(a.steps_p50, b.steps_p50);
  EXPECT_EQ(a.steps_p90, b.steps_p90);
  EXPECT_EQ(a.steps_p99, b.steps_p99);
  ASSERT_EQ(a.plateaus.size(), b.plateaus.size());
  for (std::size_t k = 0; k < a.plateaus.size(); ++k) EXPECT_EQ(a.plateaus[k].count, b.plateaus[k].count);
}

// The reduction checked against a grouping written here: cells are
// floor(x / tol) of the first three coordinates; a cell's first row is its
// lowest, its radius the largest distance from that row, its histogram
// counts its rows' steps.
void expect_reduction_of(const DescentBatch& b, double tol, const ReducedCells& got) {
  const int d = b.dim;
  struct Cell {
    std::int64_t first = -1;
    double radius = 0;
    std::map<std::int64_t, std::int64_t> steps;
    std::vector<std::int64_t> rows;
  };
  std::map<std::array<double, 3>, Cell> cells;
  for (std::int64_t i = 0; i < b.count; ++i) {
    const bool counts = b.status[i] == 0 || (!b.quench.empty() && b.quench[i] == 1);
    if (!counts) continue;
    std::array<double, 3> key{0, 0, 0};
    for (int j = 0; j < std::min(d, 3); ++j) key[j] = std::floor(b.end[i * d + j] / tol);
    Cell& c = cells[key];
    if (c.first < 0) c.first = i;
    double r2 = 0;
    for (int j = 0; j < d; ++j) r2 += std::pow(b.end[i * d + j] - b.end[c.first * d + j], 2);
    c.radius = std::max(c.radius, std::sqrt(r2));
    ++c.steps[b.steps[i]];
    c.rows.push_back(i);
  }
  std::vector<const Cell*> by_first;
  for (const auto& [k, c] : cells) by_first.push_back(&c);
  std::sort(by_first.begin(), by_first.end(), [](const Cell* a, const Cell* c) { return a->first < c->first; });

  ASSERT_EQ(got.cells(), static_cast<std::int64_t>(by_first.size()));
  EXPECT_EQ(got.rows, b.count);
  for (int k = 0; k < 3; ++k)
    EXPECT_EQ(got.status_rows[k], std::count(b.status.begin(), b.status.end(), static_cast<std::int8_t>(k)));
  ASSERT_EQ(got.offset.size(), by_first.size() + 1);
  ASSERT_EQ(got.cell_of.size(), static_cast<std::size_t>(b.count));
  std::vector<std::int32_t> cell_of(static_cast<std::size_t>(b.count), -1);
  for (std::size_t k = 0; k < by_first.size(); ++k) {
    const Cell& c = *by_first[k];
    EXPECT_EQ(got.first[k], c.first);
    for (int j = 0; j < d; ++j) EXPECT_EQ(got.position[k * d + j], b.end[c.first * d + j]);
    EXPECT_NEAR(got.radius[k], c.radius, 1e-12 * (1 + c.radius));
    std::map<std::int64_t, std::int64_t> hist;
    for (std::int64_t h = got.offset[k]; h < got.offset[k + 1]; ++h) {
      if (h > got.offset[k]) EXPECT_LT(got.steps[h - 1], got.steps[h]) << "steps ascend within a cell";
      hist[got.steps[h]] = got.count[h];
    }
    EXPECT_EQ(hist, c.steps);
    for (std::int64_t i : c.rows) cell_of[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(k);
  }
  EXPECT_EQ(got.cell_of, cell_of);
}

// Descents of a landscape on this backend, in chunks: the accumulator fed
// the end points and the one fed the backend's cells end alike.
template <class B>
void expect_cells_cluster_as_end_points(B& be, const backend::DescentRequest& q, std::int64_t n,
                                        std::int64_t chunk) {
  const int d = q.landscape.dim;
  std::vector<double> lo(d), hi(d);
  for (int i = 0; i < d; ++i) {
    lo[i] = q.starts.lo[i];
    hi[i] = q.starts.hi[i];
  }
  const double tol = analysis::detail::effective_merge_tol(-1, lo, hi);
  MinimaAccumulator by_points(d, tol), by_cells(d, tol);
  std::vector<std::int32_t> labels_points(static_cast<std::size_t>(n)), labels_cells(static_cast<std::size_t>(n));
  for (std::int64_t first = 0; first < n; first += chunk) {
    const std::int64_t m = std::min(chunk, n - first);
    DescentBatch b;
    be.descend(q, first, m, b);
    by_points.add(Source::kDescents, points_of(b), labels_points.data() + first);
    const ReducedCells cells = be.reduce_cells(b, tol, true);
    expect_reduction_of(b, tol, cells);
    ASSERT_TRUE(by_cells.add_cells(Source::kDescents, view(cells), labels_cells.data() + first))
        << "converged end points lie far closer together than the merge distance";
  }
  expect_same_state(by_points, by_cells);
  EXPECT_EQ(labels_points, labels_cells);
  analysis::MergeOptions opt;
  opt.box_lo = lo;
  opt.box_hi = hi;
  const MinimaAccumulator::Finished a = by_points.finish(q.landscape, opt), c = by_cells.finish(q.landscape, opt);
  EXPECT_GT(a.table.n_minima, 1);
  expect_same_table(a.table, c.table);
  EXPECT_EQ(a.raw_to_row, c.raw_to_row);
}

backend::DescentRequest request(LandscapeId id, int dim, double half, std::uint64_t seed) {
  backend::DescentRequest q;
  q.landscape = {id, dim};
  q.precision = backend::Precision::kF64;
  q.params.opt.lr = 0.01;
  q.params.max_steps = 3000;
  q.params.seed = q.starts.seed = seed;
  q.starts.dim = dim;
  for (int i = 0; i < dim; ++i) {
    q.starts.lo[i] = -half;
    q.starts.hi[i] = half;
    q.params.bound_lo[i] = -10 * half;
    q.params.bound_hi[i] = 10 * half;
  }
  return q;
}

TYPED_TEST(ReducedCellsOn, QuarticDimpleCellsGiveTheHostMinimaTableAndLabels) {
  expect_cells_cluster_as_end_points(*this->be_, request(LandscapeId::kQuarticDimple, 2, 2.5, 42), 3000, 1024);
}

// Three coordinates key the cells; many minima, some descents cut short.
TYPED_TEST(ReducedCellsOn, RastriginCellsGiveTheHostMinimaTableAndLabels) {
  backend::DescentRequest q = request(LandscapeId::kRastrigin, 3, 2.0, 7);
  q.params.opt.lr = 0.002;
  q.params.max_steps = 400;
  expect_cells_cluster_as_end_points(*this->be_, q, 2000, 700);
}

// The first of a cell joins one cluster before a second cluster appears
// nearer the cell's other member: the end points split the cell (the cell is
// narrow, so only the test against other clusters can see it).
TYPED_TEST(ReducedCellsOn, ACellSplitBetweenTwoClustersIsRefused) {
  const double tol = 1.0;
  const DescentBatch b = batch_of({-0.2, 0.5, 0.5, 0.5, 1.15, 0.5, 0.51, 0.5}, 2);
  MinimaAccumulator by_points(2, tol), by_cells(2, tol);
  std::vector<std::int32_t> labels(4, -2);
  by_points.add(Source::kDescents, points_of(b), labels.data());
  ASSERT_EQ(labels, (std::vector<std::int32_t>{0, 0, 1, 1})) << "rows 1 and 3 share a cell, not a cluster";
  const ReducedCells cells = this->be_->reduce_cells(b, tol, true);
  expect_reduction_of(b, tol, cells);
  ASSERT_EQ(cells.cells(), 3);
  EXPECT_LT(cells.radius[1], 0.02);
  const MinimaAccumulator::State before = by_cells.state();
  EXPECT_FALSE(by_cells.add_cells(Source::kDescents, view(cells), nullptr));
  const MinimaAccumulator::State after = by_cells.state();
  EXPECT_EQ(before.reps, after.reps) << "a refusal changes nothing";
  EXPECT_EQ(before.counters, after.counters);
}

// Members spread over a good part of the merge distance: refused.
TYPED_TEST(ReducedCellsOn, AWideCellIsRefused) {
  const double tol = 1.0;
  const DescentBatch b = batch_of({0.1, 0.1, 0.9, 0.1, 0.5, 0.9}, 2);
  MinimaAccumulator acc(2, tol);
  EXPECT_FALSE(acc.add_cells(Source::kDescents, view(this->be_->reduce_cells(b, tol, false)), nullptr));
  EXPECT_EQ(acc.trials(Source::kDescents), 0);
}

// Quenched-to-a-point rows count, diverged and unquenched ones do not; a
// cell straddling a cell boundary joins the cluster of the cell before it;
// clusters from an earlier call are found; basin cells count apart.
TYPED_TEST(ReducedCellsOn, CountingRowsAndEarlierClustersMatchTheEndPointPath) {
  const double tol = 0.01;
  DescentBatch first = batch_of({0.5, 0.5, -0.3, 0.2}, 2);
  DescentBatch b = batch_of({-1e-7, 0.3, 1e-7, 0.3, 0.5 + 1e-8, 0.5, 7, 7, -0.3, 0.2 + 1e-9, 2, 2, 1e-8, 0.3}, 2);
  b.status = {0, 0, 0, 2, 1, 1, 0};
  b.quench = {0, 0, 0, 0, 1, 2, 0};
  MinimaAccumulator by_points(2, tol), by_cells(2, tol);
  std::vector<std::int32_t> lp(7, -2), lc(7, -2);
  for (MinimaAccumulator* a : {&by_points, &by_cells}) a->add(Source::kDescents, points_of(first), nullptr);
  by_points.add(Source::kBasins, points_of(b), lp.data());
  const ReducedCells cells = this->be_->reduce_cells(b, tol, true);
  expect_reduction_of(b, tol, cells);
  ASSERT_TRUE(by_cells.add_cells(Source::kBasins, view(cells), lc.data()));
  EXPECT_EQ(lp, lc);
  EXPECT_EQ(lc[3], -1);
  EXPECT_EQ(lc[5], -1);
  EXPECT_EQ(lc[4], 1) << "quenched into the second cluster";
  EXPECT_EQ(lc[0], lc[1]) << "both sides of the cell boundary at 0";
  expect_same_state(by_points, by_cells);
}

TYPED_TEST(ReducedCellsOn, EmptyAndUncountedBatchesReduceToNothing) {
  DescentBatch none = batch_of({}, 3);
  ReducedCells c = this->be_->reduce_cells(none, 0.1, true);
  EXPECT_EQ(c.cells(), 0);
  EXPECT_EQ(c.offset, std::vector<std::int64_t>{0});
  DescentBatch diverged = batch_of({1, 2, 3, 4, 5, 6}, 3);
  diverged.status = {2, 1};
  c = this->be_->reduce_cells(diverged, 0.1, true);
  EXPECT_EQ(c.cells(), 0);
  EXPECT_EQ(c.cell_of, (std::vector<std::int32_t>{-1, -1}));
  MinimaAccumulator acc(3, 0.1);
  std::vector<std::int32_t> labels(2, -2);
  EXPECT_TRUE(acc.add_cells(Source::kDescents, view(c), labels.data()));
  EXPECT_EQ(acc.trials(Source::kDescents), 2);
  EXPECT_EQ(acc.raw_clusters(), 0);
  EXPECT_EQ(labels, (std::vector<std::int32_t>{-1, -1}));
}

// Two reductions of the same batch, field by field: exactly, but for the
// radius, which may differ by rounding (a device contracts to FMA).
void expect_same_reduction(const ReducedCells& got, const ReducedCells& want) {
  EXPECT_EQ(got.dim, want.dim);
  EXPECT_EQ(got.rows, want.rows);
  for (int k = 0; k < 3; ++k) EXPECT_EQ(got.status_rows[k], want.status_rows[k]);
  EXPECT_EQ(got.first, want.first);
  ASSERT_EQ(got.position.size(), want.position.size());
  for (std::size_t k = 0; k < got.position.size(); ++k)  // NaN equals NaN here
    EXPECT_TRUE(std::memcmp(&got.position[k], &want.position[k], sizeof(double)) == 0) << "position " << k;
  ASSERT_EQ(got.radius.size(), want.radius.size());
  for (std::size_t k = 0; k < got.radius.size(); ++k) {
    if (std::isinf(want.radius[k]))
      EXPECT_EQ(got.radius[k], want.radius[k]) << "cell " << k;
    else
      EXPECT_NEAR(got.radius[k], want.radius[k], 1e-12 * (1 + want.radius[k])) << "cell " << k;
  }
  EXPECT_EQ(got.offset, want.offset);
  EXPECT_EQ(got.steps, want.steps);
  EXPECT_EQ(got.count, want.count);
  EXPECT_EQ(got.cell_of, want.cell_of);
}

// A random batch: end points around a few centres (some exact repeats, some
// straddling cell edges), every status, quench results or none; `extreme`
// puts NaN, infinities, subnormals, signed zeros and values beyond the
// cell key's clamp into about one coordinate in twenty.
DescentBatch random_batch(std::mt19937_64& rng, std::int64_t n, int d, double tol, bool quench, bool extreme) {
  std::uniform_real_distribution<double> u(0, 1);
  std::normal_distribution<double> jitter(0, 0.3 * tol);
  const int centres = 1 + static_cast<int>(u(rng) * 12);
  std::vector<double> centre(static_cast<std::size_t>(centres * d));
  for (double& c : centre) c = -3 + 6 * u(rng);
  const double special[] = {std::numeric_limits<double>::quiet_NaN(),
                            std::numeric_limits<double>::infinity(),
                            -std::numeric_limits<double>::infinity(),
                            1e300,
                            -1e300,
                            5e18 * tol,
                            -5e18 * tol,
                            std::numeric_limits<double>::denorm_min(),
                            -0.0,
                            0.0};
  const std::int64_t steps[] = {5, 17, 40, 41, 1000};
  DescentBatch b;
  b.resize(n, d);
  if (!quench) b.quench.clear();
  for (std::int64_t i = 0; i < n; ++i) {
    const auto row = static_cast<std::size_t>(i);
    if (i > 0 && u(rng) < 0.1) {  // a repeat of an earlier end point
      const auto from = static_cast<std::size_t>(u(rng) * static_cast<double>(i));
      std::copy_n(b.end.begin() + from * d, d, b.end.begin() + row * d);
    } else {
      const auto c = static_cast<std::size_t>(u(rng) * centres);
      for (int j = 0; j < d; ++j) {
        double x = centre[c * d + j] + jitter(rng);
        if (extreme && u(rng) < 0.05) x = special[static_cast<std::size_t>(u(rng) * 10)];
        b.end[row * d + j] = x;
      }
    }
    const double s = u(rng);
    b.status[row] = static_cast<std::int8_t>(s < 0.7 ? 0 : s < 0.9 ? 1 : 2);
    if (quench) b.quench[row] = b.status[row] == 1 ? static_cast<std::int8_t>(u(rng) * 3) : 0;
    b.steps[row] = steps[static_cast<std::size_t>(u(rng) * 5)];
  }
  return b;
}

// Random batches of every shape: the backend's reduction equals the host
// reference's, and, on ordinary values, the grouping written here.
TYPED_TEST(ReducedCellsOn, RandomBatchesReduceAsTheHostReference) {
  std::mt19937_64 rng(20261207);
  const int dims[] = {1, 2, 3, 5};
  const double tols[] = {0.05, 1e-3, 0.3};
  for (int trial = 0; trial < 48; ++trial) {
    const int d = dims[trial % 4];
    const double tol = tols[trial % 3];
    const bool quench = trial % 2 == 1, extreme = trial % 5 == 4, per_row = trial % 7 != 3;
    const std::int64_t n = trial < 4 ? trial + 1 : 1 + static_cast<std::int64_t>(rng() % 4000);
    SCOPED_TRACE("trial " + std::to_string(trial) + ": " + std::to_string(n) + " rows, dim " + std::to_string(d));
    const DescentBatch b = random_batch(rng, n, d, tol, quench, extreme);
    const ReducedCells got = this->be_->reduce_cells(b, tol, per_row);
    const ReducedCells want = backend::reduce_cells_host(
        {b.end.data(), b.status.data(), quench ? b.quench.data() : nullptr, b.steps.data(), b.count, d}, tol, per_row);
    expect_same_reduction(got, want);
    if (!extreme && per_row) expect_reduction_of(b, tol, got);
  }
}

// A member with a NaN coordinate, in a cell whose first member is ordinary:
// the cell's radius is infinite (in any order of reduction), and the cell
// is refused, so its rows are clustered one by one.
TYPED_TEST(ReducedCellsOn, ACellWithANaNMemberIsRefused) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const DescentBatch b = batch_of({0.5, 0.5, 0.5, nan, 0.51, 0.5, 0.52, 0.5}, 2);
  const ReducedCells cells = this->be_->reduce_cells(b, 1.0, true);
  ASSERT_EQ(cells.cells(), 1);
  EXPECT_EQ(cells.first[0], 0);
  EXPECT_EQ(cells.radius[0], std::numeric_limits<double>::infinity());
  MinimaAccumulator acc(2, 1.0);
  EXPECT_FALSE(acc.add_cells(Source::kDescents, view(cells), nullptr));
}

// Descents reduced where they are made (descend_cells): the cells are those
// of the descents' end points, the rows asked for (and only their cells)
// come home, and fetch_end_points gives the end points of the slot's own
// chunk while the other slot holds another one.
TYPED_TEST(ReducedCellsOn, DescendCellsGivesTheCellsAndRowsOfTheDescents) {
  backend::Backend& be = *this->be_;
  backend::DescentRequest q = request(LandscapeId::kQuarticDimple, 2, 2.5, 9);
  q.params.max_steps = 300;  // some run out of steps
  const double tol = analysis::detail::effective_merge_tol(-1, {-2.5, -2.5}, {2.5, 2.5});
  const std::int64_t first = 37, n = 1500;
  DescentBatch ref, other_ref;
  be.descend(q, first, n, ref);
  be.descend(q, first + n, 700, other_ref);
  std::int64_t status[3] = {0, 0, 0};
  for (std::int8_t s : ref.status) ++status[s];
  ASSERT_GT(status[1], 0) << "a descent that ran out of steps";

  ReducedCells all;
  for (std::int64_t every : {1, 0, 7}) {
    SCOPED_TRACE("every " + std::to_string(every));
    DescentBatch out, other;
    ReducedCells cells, other_cells;
    be.descend_cells(q, first, n, tol, every, 0, out, cells);
    be.descend_cells(q, first + n, 700, tol, every, 1, other, other_cells);
    ASSERT_EQ(out.count, n);
    for (int k = 0; k < 3; ++k) EXPECT_EQ(cells.status_rows[k], status[k]);
    if (every == 1) {
      expect_reduction_of(ref, tol, cells);
      all = cells;
    } else {
      EXPECT_EQ(cells.first, all.first);
      EXPECT_EQ(cells.position, all.position);
      EXPECT_EQ(cells.offset, all.offset);
      EXPECT_EQ(cells.steps, all.steps);
      EXPECT_EQ(cells.count, all.count);
      EXPECT_EQ(cells.cell_of.empty(), every == 0);
    }
    const int d = ref.dim;
    for (std::int64_t i = 0; i < n && every > 0; ++i) {
      if ((first + i) % every != 0) continue;
      const auto u = static_cast<std::size_t>(i);
      EXPECT_EQ(cells.cell_of[u], all.cell_of[u]) << "row " << i;
      for (int j = 0; j < d; ++j) {
        EXPECT_EQ(out.start[u * d + j], ref.start[u * d + j]);
        EXPECT_EQ(out.end[u * d + j], ref.end[u * d + j]);
      }
      EXPECT_EQ(out.loss[u], ref.loss[u]);
      EXPECT_EQ(out.grad_norm[u], ref.grad_norm[u]);
      EXPECT_EQ(out.steps[u], ref.steps[u]);
      EXPECT_EQ(out.status[u], ref.status[u]);
      EXPECT_EQ(out.quench[u], ref.quench[u]);
      EXPECT_EQ(out.bounced[u], ref.bounced[u]);
    }
    be.fetch_end_points(0, out);
    EXPECT_EQ(out.end, ref.end);
    EXPECT_EQ(out.steps, ref.steps);
    EXPECT_EQ(out.status, ref.status);
    EXPECT_EQ(out.quench, ref.quench);
    be.fetch_end_points(1, other);
    EXPECT_EQ(other.end, other_ref.end);
    EXPECT_EQ(other.status, other_ref.status);
  }
}

// The device algorithm on the host, each row's cell brought home for the
// rows phase, phase + every, ...: those of the reference, -1 elsewhere, at
// every phase, and for rows so far apart that they come home one by one.
TEST(ThrustHostReduction, TheCellsOfEveryKthRowComeHomeAtAnyPhase) {
  if (!test::thrust_host_available()) GTEST_SKIP() << ThrustHostBackendMaker::missing();
  std::mt19937_64 rng(7);
  const double tol = 0.05;
  const DescentBatch b = random_batch(rng, 1000, 2, tol, true, false);
  const backend::EndColumns e{b.end.data(), b.status.data(), b.quench.data(), b.steps.data(), b.count, 2};
  const ReducedCells all = backend::reduce_cells_host(e, tol, true);
  for (std::int64_t every : {std::int64_t(1), std::int64_t(2), std::int64_t(7), std::int64_t(999),
                             std::int64_t(1) << 29}) {
    for (std::int64_t phase : {std::int64_t(0), std::int64_t(1), std::min<std::int64_t>(every - 1, 998)}) {
      if (phase >= every) continue;
      SCOPED_TRACE("every " + std::to_string(every) + ", phase " + std::to_string(phase));
      const ReducedCells got = test::reduce_cells_thrust_host(e, tol, every, phase);
      ASSERT_EQ(got.cell_of.size(), all.cell_of.size());
      for (std::size_t i = 0; i < got.cell_of.size(); ++i) {
        const bool home = static_cast<std::int64_t>(i) >= phase && (static_cast<std::int64_t>(i) - phase) % every == 0;
        ASSERT_EQ(got.cell_of[i], home ? all.cell_of[i] : -1) << "row " << i;
      }
      EXPECT_EQ(got.first, all.first);
      EXPECT_EQ(got.count, all.count);
    }
  }
  EXPECT_EQ(test::reduce_cells_thrust_host(e, tol, 0, 0).cell_of.size(), 0u) << "none asked for";
}

// copy_rows_home (kernels/kept_columns.hpp), the copies of the rows a job
// keeps, in each of its three forms: one copy of consecutive rows, one 2-D
// copy, and a copy a row for rows further apart than a 2-D copy takes
// (forced here by a small max_pitch), for several rows at every phase.
TEST(KeptColumns, CopyRowsHomeBringsEveryKthRowInEachForm) {
  struct Immediate {  // a space whose copies land at once
    int copies = 0, copies_2d = 0;
    void home(unsigned char* h, const unsigned char* m, std::int64_t n) {
      ++copies;
      std::copy(m, m + n, h);
    }
    void home_rows(void* h, std::size_t hp, const void* m, std::size_t mp, std::size_t width, std::size_t rows) {
      ++copies_2d;
      for (std::size_t r = 0; r < rows; ++r)
        std::memcpy(static_cast<unsigned char*>(h) + r * hp, static_cast<const unsigned char*>(m) + r * mp, width);
    }
  };
  const std::int64_t n = 50;
  std::vector<std::int32_t> column(n);
  for (std::int64_t i = 0; i < n; ++i) column[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(1000 + i);
  for (std::int64_t every : {1, 3, 7}) {
    for (std::int64_t phase = 0; phase < every; ++phase) {
      for (std::size_t max_pitch : {std::size_t(1) << 30, std::size_t(8)}) {
        SCOPED_TRACE("every " + std::to_string(every) + ", phase " + std::to_string(phase) + ", max pitch " +
                     std::to_string(max_pitch));
        Immediate s;
        std::vector<std::int32_t> host(n, -1);
        cell_reduction::copy_rows_home(s, host.data(), column.data(), sizeof(std::int32_t), n, every, phase,
                                       max_pitch);
        for (std::int64_t i = 0; i < n; ++i)
          ASSERT_EQ(host[static_cast<std::size_t>(i)], i >= phase && (i - phase) % every == 0 ? 1000 + i : -1)
              << "row " << i;
        const std::int64_t rows = (n - 1 - phase) / every + 1;
        if (every == 1)
          EXPECT_EQ(s.copies, 1);
        else if (max_pitch > 8)
          EXPECT_EQ(s.copies_2d, 1);
        else
          EXPECT_EQ(s.copies, rows) << "one copy a row";
      }
    }
  }
}

// The one key of host and device: floor of the quotient, clamped, NaN to 0.
TEST(CellKey, IsTheFloorOfTheQuotientOnTheFirstThreeAxes) {
  const double x[4] = {0.25, -0.25, 1.0, 99};
  const CellKey k = cell_key(x, 4, 0.5);
  EXPECT_EQ(k.k[0], 0);
  EXPECT_EQ(k.k[1], -1);
  EXPECT_EQ(k.k[2], 2);
  const double y[2] = {std::numeric_limits<double>::quiet_NaN(), 1e300};
  const CellKey ky = cell_key(y, 2, 1e-3);
  EXPECT_EQ(ky.k[0], 0);
  EXPECT_EQ(ky.k[1], 4000000000000000000LL);
  EXPECT_EQ(ky.k[2], 0) << "axes beyond the dimension stay 0";
}

}  // namespace
