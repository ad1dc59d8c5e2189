#include "jobs/minima_spectra.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iomanip>
#include <limits>
#include <numeric>
#include <ostream>
#include <sstream>

#include "analysis/slq.hpp"
#include "jobs/interrupt.hpp"
#include "nn/barriers.hpp"

namespace trilo::jobs {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

io::MinimaDensity density_at(const std::vector<int>& chosen, const config::NetworkResolved& nr,
                             const config::NetworkConfig& net, const io::NetworkMinima& mt) {
  const nn::Model& m = nr.model;
  const std::int64_t P = m.params();
  const int steps = static_cast<int>(std::min<std::int64_t>(P, net.density_steps));
  std::vector<analysis::SlqResult> slq(chosen.size());
  // One minimum per thread; its products run on that thread.
#pragma omp parallel for schedule(dynamic, 1)
  for (std::size_t q = 0; q < chosen.size(); ++q) {
    if (interrupt_pending()) continue;  // the caller stops once the loop is left
    const auto c = static_cast<std::size_t>(chosen[q]);
    nn::HessianAt hessian(m, mt.weights.data() + c * static_cast<std::size_t>(P), nr.data.train);
    slq[q] = analysis::stochastic_lanczos([&](const double* v, double* y) { hessian.apply(v, y); }, P, net.density,
                                          steps, nr.train.seed, c);
  }
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const analysis::SlqResult& r : slq)
    for (double node : r.nodes)
      if (std::isfinite(node)) lo = std::min(lo, node), hi = std::max(hi, node);
  io::MinimaDensity d;
  if (!(lo <= hi)) return d;  // no finite node anywhere
  d.probes = net.density;
  d.steps = steps;
  d.sigma = net.density_sigma > 0 ? net.density_sigma : analysis::default_sigma(lo, hi);
  d.grid = analysis::eigenvalue_grid(lo, hi, d.sigma, net.density_bins);
  const auto n = static_cast<std::size_t>(mt.size()), bins = d.grid.size();
  const auto cell = static_cast<std::size_t>(d.probes) * static_cast<std::size_t>(steps);
  d.density.assign(n * bins, kNaN);
  d.nodes.assign(n * cell, kNaN);
  d.weights.assign(n * cell, kNaN);
  for (std::size_t q = 0; q < chosen.size(); ++q) {
    const auto c = static_cast<std::size_t>(chosen[q]);
    const std::vector<double> rho = analysis::broadened_density(slq[q], d.sigma, d.grid);
    std::copy(rho.begin(), rho.end(), d.density.begin() + static_cast<std::ptrdiff_t>(c * bins));
    std::copy(slq[q].nodes.begin(), slq[q].nodes.end(), d.nodes.begin() + static_cast<std::ptrdiff_t>(c * cell));
    std::copy(slq[q].weights.begin(), slq[q].weights.end(), d.weights.begin() + static_cast<std::ptrdiff_t>(c * cell));
  }
  return d;
}

// Every pair of the chosen minima, in index order (a < b), one pair per
// thread: the line, and the Bezier path when asked.
io::MinimaBarriers barriers_among(std::vector<int> chosen, const config::NetworkResolved& nr,
                                  const config::NetworkConfig& net, const io::NetworkMinima& mt,
                                  const nn::Dataset& train) {
  const nn::Model& m = nr.model;
  const auto P = static_cast<std::size_t>(m.params());
  std::sort(chosen.begin(), chosen.end());
  io::MinimaBarriers b;
  b.points = net.barrier_points;
  b.bezier_steps = net.bezier_steps;
  b.bezier_lr = nr.train.opt.lr;
  b.bezier_batch = nr.train.batch;
  b.t = nn::path_points(net.barrier_points);
  for (std::size_t x = 0; x < chosen.size(); ++x)
    for (std::size_t y = x + 1; y < chosen.size(); ++y) {
      b.minimum_a.push_back(chosen[x]);
      b.minimum_b.push_back(chosen[y]);
    }
  const std::size_t pairs = b.minimum_a.size(), points = b.t.size();
  const bool bezier = net.bezier_steps > 0;
  b.line_loss.assign(pairs * points, kNaN);
  if (bezier) b.bezier_loss.assign(pairs * points, kNaN), b.bezier_control.assign(pairs * P, kNaN);
#pragma omp parallel for schedule(dynamic, 1)
  for (std::size_t p = 0; p < pairs; ++p) {
    if (interrupt_pending()) continue;  // the caller stops once the loop is left
    const double* wa = mt.weights.data() + static_cast<std::size_t>(b.minimum_a[p]) * P;
    const double* wb = mt.weights.data() + static_cast<std::size_t>(b.minimum_b[p]) * P;
    const std::vector<double> line = nn::path_losses(m, wa, wb, nullptr, train, b.t);
    std::copy(line.begin(), line.end(), b.line_loss.begin() + static_cast<std::ptrdiff_t>(p * points));
    if (!bezier) continue;
    nn::BezierTraining bt;
    bt.steps = net.bezier_steps;
    bt.lr = nr.train.opt.lr;
    bt.batch = nr.train.batch;
    bt.seed = nr.train.seed;
    bt.stop = interrupt_pending;
    // Keyed by the pair itself, so a pair's path does not depend on which others are examined.
    bt.pair = static_cast<std::uint64_t>(b.minimum_a[p]) << 32 | static_cast<std::uint64_t>(b.minimum_b[p]);
    const std::vector<double> c = nn::train_bezier_control(m, wa, wb, train, bt);
    const std::vector<double> curve = nn::path_losses(m, wa, wb, c.data(), train, b.t);
    std::copy(curve.begin(), curve.end(), b.bezier_loss.begin() + static_cast<std::ptrdiff_t>(p * points));
    std::copy(c.begin(), c.end(), b.bezier_control.begin() + static_cast<std::ptrdiff_t>(p * P));
  }
  const auto n = static_cast<std::size_t>(mt.size());
  const auto matrix = [&](const std::vector<double>& losses) {
    std::vector<double> mat(n * n, kNaN);
    for (std::size_t i = 0; i < n; ++i) mat[i * n + i] = 0;
    for (std::size_t p = 0; p < pairs; ++p) {
      const std::vector<double> curve(losses.begin() + static_cast<std::ptrdiff_t>(p * points),
                                      losses.begin() + static_cast<std::ptrdiff_t>((p + 1) * points));
      const auto i = static_cast<std::size_t>(b.minimum_a[p]), j = static_cast<std::size_t>(b.minimum_b[p]);
      mat[i * n + j] = mat[j * n + i] = nn::barrier_height(curve);
    }
    return mat;
  };
  b.line = matrix(b.line_loss);
  if (bezier) b.bezier = matrix(b.bezier_loss);
  return b;
}

// Spearman's rank correlation of two equally long samples (average ranks for ties).
double spearman(const std::vector<double>& x, const std::vector<double>& y) {
  const auto ranks = [](const std::vector<double>& v) {
    std::vector<std::size_t> o(v.size());
    std::iota(o.begin(), o.end(), 0);
    std::sort(o.begin(), o.end(), [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
    std::vector<double> r(v.size());
    for (std::size_t i = 0; i < o.size();) {
      std::size_t j = i;
      while (j + 1 < o.size() && v[o[j + 1]] == v[o[i]]) ++j;
      for (std::size_t k = i; k <= j; ++k) r[o[k]] = 0.5 * static_cast<double>(i + j);
      i = j + 1;
    }
    return r;
  };
  const std::vector<double> rx = ranks(x), ry = ranks(y);
  const double mean = 0.5 * static_cast<double>(x.size() - 1);
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxy += (rx[i] - mean) * (ry[i] - mean);
    sxx += (rx[i] - mean) * (rx[i] - mean);
    syy += (ry[i] - mean) * (ry[i] - mean);
  }
  return sxx > 0 && syy > 0 ? sxy / std::sqrt(sxx * syy) : kNaN;
}

std::string number(double v, int digits = 4) {
  std::ostringstream s;
  if (std::isnan(v)) return "-";
  if (v != 0 && (std::abs(v) >= 1e5 || std::abs(v) < 1e-3))
    s << std::scientific << std::setprecision(2) << v;
  else
    s << std::fixed << std::setprecision(digits) << v;
  return s.str();
}

}  // namespace

std::vector<int> most_populous(const std::vector<std::int64_t>& count, std::int64_t k) {
  std::vector<int> order(count.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return count[static_cast<std::size_t>(a)] > count[static_cast<std::size_t>(b)];
  });
  order.resize(std::min<std::size_t>(order.size(), static_cast<std::size_t>(std::max<std::int64_t>(k, 0))));
  return order;
}

MinimaSpectra examine_minima(const config::NetworkResolved& nr, const config::NetworkConfig& net,
                             const io::NetworkMinima& mt, std::ostream* log) {
  MinimaSpectra s;
  s.barriers_asked = net.barrier_minima > 0;
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<int> dens = net.density > 0 ? most_populous(mt.count, net.hessian_minima) : std::vector<int>{};
  const std::vector<int> bar = most_populous(mt.count, net.barrier_minima);
  const bool barriers = bar.size() >= 2;
  if (dens.empty() && !barriers) return s;
  if (log) {
    *log << "examining minima:";
    if (!dens.empty())
      *log << " eigenvalue density at " << dens.size() << " (" << net.density << " x "
           << std::min<std::int64_t>(nr.model.params(), net.density_steps) << " Hessian-vector products each)";
    if (barriers)
      *log << (dens.empty() ? "" : ";") << " barriers among " << bar.size() << " ("
           << bar.size() * (bar.size() - 1) / 2 << (bar.size() == 2 ? " pair" : " pairs")
           << (net.bezier_steps > 0 ? ", Bezier paths of " + std::to_string(net.bezier_steps) + " SGD steps" : "")
           << ")";
    *log << "\n";
  }
  check_interrupted();
  if (!dens.empty()) s.density = density_at(dens, nr, net, mt);
  check_interrupted();
  if (barriers) {
    s.barriers = barriers_among(bar, nr, net, mt, nr.data.train);
    s.barrier_minima = static_cast<int>(bar.size());
  }
  check_interrupted();  // the barriers left unfinished: the run stops rather than write them
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return s;
}

void write_minima_spectra(hid_t file, const MinimaSpectra& s, const io::NetworkMinima& mt) {
  io::write_density(file, s.density, mt.size());
  io::write_barriers(file, s.barriers, mt.size(), mt.params);
}

void print_minima_spectra(std::ostream& out, const MinimaSpectra& s, const io::NetworkMinima& mt) {
  const auto n = static_cast<std::size_t>(mt.size());
  const io::MinimaDensity& d = s.density;
  std::vector<double> top, trace, test_acc;
  if (!d.empty()) {
    out << "eigenvalue density (stochastic Lanczos quadrature, " << d.probes << (d.probes == 1 ? " probe x " : " probes x ") << d.steps
        << " steps, sigma " << number(d.sigma) << "): /minima/density\n";
    out << "  #      lambda_min    lambda_max   mean (tr/P)" << (mt.trace.empty() ? "" : "   trace/P") << "\n";
    const auto cell = static_cast<std::size_t>(d.probes) * static_cast<std::size_t>(d.steps);
    int shown = 0, examined = 0;
    for (std::size_t c = 0; c < n; ++c) {
      if (std::isnan(d.weights[c * cell]) || ++examined > 10) continue;
      double lo = std::numeric_limits<double>::infinity(), hi = -lo, mean = 0;
      for (std::size_t k = c * cell; k < (c + 1) * cell; ++k)
        if (d.weights[k] > 0 && std::isfinite(d.nodes[k])) {
          lo = std::min(lo, d.nodes[k]);
          hi = std::max(hi, d.nodes[k]);
          mean += d.weights[k] * d.nodes[k] / d.probes;
        }
      out << std::setw(3) << c << std::setw(16) << number(lo) << std::setw(14) << number(hi) << std::setw(14)
          << number(mean);
      if (!mt.trace.empty()) out << std::setw(10) << number(mt.trace[c] / static_cast<double>(mt.params));
      out << "\n";
      ++shown;
    }
    if (examined > shown) out << "  ... " << examined - shown << " more in /minima/density\n";
  }
  // Sharpness against test accuracy over the minima whose curvature was examined.
  if (!mt.test_accuracy.empty() && mt.hessian_top > 0) {
    for (std::size_t c = 0; c < n; ++c) {
      const double e = mt.hessian[c * static_cast<std::size_t>(mt.hessian_top)];
      if (std::isnan(e) || std::isnan(mt.test_accuracy[c])) continue;
      top.push_back(e);
      test_acc.push_back(mt.test_accuracy[c]);
      if (!mt.trace.empty()) trace.push_back(mt.trace[c]);
    }
    if (top.size() >= 3) {
      out << "sharpness against test accuracy over " << top.size() << " minima: Spearman rho(top eigenvalue) "
          << number(spearman(top, test_acc), 3);
      if (trace.size() == top.size()) out << ", rho(trace) " << number(spearman(trace, test_acc), 3);
      out << "\n";
    }
  }
  const io::MinimaBarriers& b = s.barriers;
  if (b.empty()) {
    if (s.barriers_asked && n < 2) out << "loss barriers: " << n << (n == 1 ? " minimum" : " minima") << ", no pairs\n";
    return;
  }
  const bool bezier = b.bezier_steps > 0;
  out << "loss barriers among the " << s.barrier_minima << " most populous minima (training loss, " << b.points
      << " points" << (bezier ? "; line / Bezier" : "; straight line") << "): /minima/barriers"
      << (bezier ? ", /minima/bezier_barriers" : "") << "\n";
  std::vector<std::int64_t> idx(b.minimum_a.begin(), b.minimum_a.end());
  idx.insert(idx.end(), b.minimum_b.begin(), b.minimum_b.end());
  std::sort(idx.begin(), idx.end());
  idx.erase(std::unique(idx.begin(), idx.end()), idx.end());
  if (idx.size() > 8) {
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (std::size_t p = 0; p < b.minimum_a.size(); ++p) {
      const double v = b.line[static_cast<std::size_t>(b.minimum_a[p]) * n + static_cast<std::size_t>(b.minimum_b[p])];
      if (!std::isnan(v)) lo = std::min(lo, v), hi = std::max(hi, v);
    }
    out << "  " << b.minimum_a.size() << " pairs, straight-line barriers from " << number(lo) << " to " << number(hi)
        << "\n";
    return;
  }
  const int w = bezier ? 20 : 11;
  out << "     ";
  for (std::int64_t j : idx) out << std::setw(w) << ("#" + std::to_string(j));
  out << "\n";
  for (std::int64_t i : idx) {
    out << std::setw(5) << ("#" + std::to_string(i));
    for (std::int64_t j : idx) {
      const std::size_t at = static_cast<std::size_t>(i) * n + static_cast<std::size_t>(j);
      out << std::setw(w) << (bezier ? number(b.line[at]) + " / " + number(b.bezier[at]) : number(b.line[at]));
    }
    out << "\n";
  }
}

}  // namespace trilo::jobs
