#include "analysis/accumulator.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "analysis/minima_stats.hpp"
#include "core/descent.hpp"

namespace trilo::analysis {

using detail::Local;
using detail::Vec;

MinimaAccumulator::MinimaAccumulator(int dim, double tol) : dim_(dim), tol_(tol), raw_(dim, tol) {}

void MinimaAccumulator::add(Source src, const EndPoints& e, std::int32_t* raw_labels) {
  const int s = static_cast<int>(src);
  const auto converged = [&](std::int64_t i) {
    return e.status[i] == static_cast<std::int8_t>(DescentStatus::kConverged) ||
           (e.quench && e.quench[i] == static_cast<std::int8_t>(QuenchResult::kConverged));
  };
  // First, on every core, each point's cluster among those known before this
  // call (searching was the serial bottleneck of a large run: ~45 ns a point).
  // Then exactly the serial assignment: points before the first one that
  // found no cluster keep what they found (no cluster can appear before it),
  // and are counted on every core, each thread into its own counts, summed
  // after; from that point on, in index order, a point keeps what it found
  // while no cluster has been added in this call; after one has, and for
  // points that found none, it is assigned afresh (a new cluster may be
  // nearer). Where minima are few their clusters appear in the first calls
  // and the later ones are parallel; where new clusters keep appearing (many
  // minima) the rest of such a call is serial, as it always was.
  const int known = raw_.size();
  const bool parallel = e.n >= 8192;
  found_.resize(static_cast<std::size_t>(e.n));
  std::int64_t fresh = e.n;  // the first converged point that found no cluster
#pragma omp parallel if (parallel) reduction(min : fresh)
  {
    detail::Clusters::Finder find(raw_);
#pragma omp for schedule(static)
    for (std::int64_t i = 0; i < e.n; ++i) {
      const std::int32_t id = converged(i) ? find(e.end + i * dim_) : -1;
      found_[static_cast<std::size_t>(i)] = id;
      if (id < 0 && converged(i)) fresh = std::min(fresh, i);
    }
  }
  // Counted on every core only where that pays: enough points, and per-thread
  // counts no longer than the points they count (many minima: serially).
  const bool spread = parallel && fresh >= 8192 && known <= fresh;
  if (spread) {
#pragma omp parallel
    {
      std::vector<std::int64_t> count(static_cast<std::size_t>(known), 0), sum(count);
      detail::StepCounts steps;
#pragma omp for schedule(static) nowait
      for (std::int64_t i = 0; i < fresh; ++i) {
        const std::int32_t id = found_[static_cast<std::size_t>(i)];
        if (raw_labels) raw_labels[i] = id;
        if (id < 0) continue;
        ++count[static_cast<std::size_t>(id)];
        sum[static_cast<std::size_t>(id)] += e.steps[i];
        steps.add(s, id, e.steps[i]);
      }
#pragma omp critical(trilobite_minima_counts)
      {
        for (int c = 0; c < known; ++c) {
          per_[c].count[s] += count[static_cast<std::size_t>(c)];
          per_[c].steps_sum[s] += sum[static_cast<std::size_t>(c)];
        }
        steps.for_each([&](const detail::StepCounts::Entry& h) { steps_.add(h.source, h.cluster, h.steps, h.count); });
      }
    }
  }
  for (std::int64_t i = spread ? fresh : 0; i < e.n; ++i) {
    std::int32_t id = -1;
    if (converged(i)) {
      id = found_[static_cast<std::size_t>(i)];
      if (id < 0 || raw_.size() > known) id = raw_.assign(e.end + i * dim_);
      if (id == static_cast<int>(per_.size())) per_.emplace_back();
      PerCluster& c = per_[id];
      ++c.count[s];
      c.steps_sum[s] += e.steps[i];
      steps_.add(s, id, e.steps[i]);
    }
    if (raw_labels) raw_labels[i] = id;
  }
  trials_[s] += e.n;
}

MinimaAccumulator::Finished MinimaAccumulator::finish(const LandscapeSpec& land,
                                                      const MergeOptions& opt) const {
  const int n = dim_;
  // Polish each raw cluster's first member; clusters whose polished points
  // coincide (within tol) become one.
  detail::Clusters merged(n, tol_);
  std::vector<int> raw_to_merged(raw_.size());
  std::vector<Vec> points;
  for (int c = 0; c < raw_.size(); ++c) {
    Vec x = Eigen::Map<const Vec>(raw_.rep(c), n);
    if (opt.polish) x = detail::polish(land, x, tol_);
    const int m = merged.assign(x.data());
    if (m == static_cast<int>(points.size())) points.push_back(x);
    raw_to_merged[c] = m;
  }

  // Describe each point; flat ones become plateaus, the rest rows sorted by
  // loss (ties by position).
  std::vector<Local> all_local;
  all_local.reserve(points.size());
  for (const Vec& x : points) all_local.push_back(detail::evaluate(land, x));
  detail::PlateauSplit split = detail::split_plateaus(
      points, all_local, landscape_scale(land, opt.box_lo, opt.box_hi), opt.flat_rel_tol);
  const int m = static_cast<int>(split.kept.size());
  const detail::KeptRows rows = detail::kept_rows(split, points, all_local, tol_);
  const std::vector<int>& kept_of = rows.kept_of;
  const std::vector<Vec>& kept = rows.points;
  const std::vector<Local>& local = rows.local;
  const std::vector<int>& order = rows.order;
  const std::vector<int>& rank = rows.rank;

  Finished out;
  MinimaTable& t = out.table;
  t.plateaus = std::move(split.plateaus);
  t.dim = n;
  t.n_minima = m;
  t.merge_tol = tol_;
  t.count.assign(m, 0);
  t.fraction.assign(m, 0.0);
  t.mean_steps.assign(m, 0.0);
  t.basin_count.assign(m, 0);
  t.basin_fraction.assign(m, 0.0);
  detail::fill_point_rows(kept, local, order, opt.eig_rel_tol,
                          {t.position, t.loss, t.grad_norm, t.eigenvalues, t.kind});
  t.curvature = minima_curvature(land, m, t.position, t.eigenvalues, t.kind, opt.curvature);

  // Counts and steps of the raw clusters, summed per row. Mean steps and
  // the step percentiles are over the descents, or over the basin cells
  // when there are none.
  const std::int64_t nd = trials_[0], nb = trials_[1];
  const int timed = nd > 0 ? 0 : 1;
  std::vector<std::int64_t> steps_sum(m, 0);
  std::vector<std::map<std::int64_t, std::int64_t>> steps(m);
  out.raw_to_row.resize(raw_.size());
  for (int c = 0; c < raw_.size(); ++c) {
    const int p = raw_to_merged[c];
    if (split.plateau_of[p] >= 0) {
      Plateau& pl = t.plateaus[split.plateau_of[p]];
      pl.count += per_[c].count[0];
      pl.basin_count += per_[c].count[1];
      out.raw_to_row[c] = -1;
      continue;
    }
    const int r = rank[kept_of[p]];
    out.raw_to_row[c] = r;
    t.count[r] += per_[c].count[0];
    t.basin_count[r] += per_[c].count[1];
    steps_sum[r] += per_[c].steps_sum[timed];
  }
  steps_.for_each([&](const detail::StepCounts::Entry& h) {
    const int r = h.source == timed ? out.raw_to_row[h.cluster] : -1;
    if (r >= 0) steps[r][h.steps] += h.count;
  });
  for (int r = 0; r < m; ++r) {
    const std::int64_t counted = timed == 0 ? t.count[r] : t.basin_count[r];
    if (counted > 0) t.mean_steps[r] = static_cast<double>(steps_sum[r]) / static_cast<double>(counted);
    if (nd > 0) t.fraction[r] = double(t.count[r]) / double(nd);
    if (nb > 0) t.basin_fraction[r] = double(t.basin_count[r]) / double(nb);
  }
  add_minima_statistics(t, nd, nb, steps);
  return out;
}

MinimaAccumulator::State MinimaAccumulator::state() const {
  State s;
  s.reps = raw_.reps();
  s.counters = {trials_[0], trials_[1]};
  for (const PerCluster& c : per_)
    s.counters.insert(s.counters.end(), {c.count[0], c.count[1], c.steps_sum[0], c.steps_sum[1]});
  for (const detail::StepCounts::Entry& h : steps_.sorted())
    s.histogram.insert(s.histogram.end(), {h.source, h.cluster, h.steps, h.count});
  return s;
}

void MinimaAccumulator::restore(const State& s) {
  auto bad = [](const std::string& what) {
    throw std::invalid_argument("inconsistent minima state: " + what);
  };
  if (s.reps.size() % static_cast<std::size_t>(dim_) != 0) bad("cluster positions");
  for (double x : s.reps)
    if (!std::isfinite(x)) bad("cluster positions");  // converged end points are finite
  const std::size_t k = s.reps.size() / dim_;
  if (s.counters.size() != 2 + 4 * k) bad("counters");
  if (s.histogram.size() % 4 != 0) bad("histogram");
  detail::Clusters raw(dim_, tol_);
  std::vector<PerCluster> per(k);
  detail::StepCounts steps;
  for (std::size_t c = 0; c < k; ++c) {
    raw.append(&s.reps[c * dim_]);
    const std::int64_t* v = &s.counters[2 + 4 * c];
    per[c].count[0] = v[0];
    per[c].count[1] = v[1];
    per[c].steps_sum[0] = v[2];
    per[c].steps_sum[1] = v[3];
  }
  for (std::size_t i = 0; i < s.histogram.size(); i += 4) {
    const std::int64_t src = s.histogram[i], c = s.histogram[i + 1];
    if (src < 0 || src > 1 || c < 0 || c >= static_cast<std::int64_t>(k) || s.histogram[i + 3] <= 0)
      bad("histogram entry");
    steps.add(static_cast<int>(src), static_cast<std::int32_t>(c), s.histogram[i + 2], s.histogram[i + 3]);
  }
  raw_ = std::move(raw);
  per_ = std::move(per);
  steps_ = std::move(steps);
  trials_[0] = s.counters[0];
  trials_[1] = s.counters[1];
}

}  // namespace trilo::analysis
