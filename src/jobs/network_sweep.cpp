#include "jobs/network_sweep.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>
#include <ostream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/descent.hpp"
#include "jobs/sweep_job.hpp"

namespace trilo::jobs {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void require(bool ok, const std::string& message) {
  if (!ok) throw config::BadInput(message);
}

// One --vary for a network: the settings a training has, and a line for
// those it has not.
config::SweepSpec parse_network_vary(const std::string& text, OptimizerKind kind) {
  const std::string name = text.substr(0, text.find('='));
  require(name != "noise",
          "--vary noise: network trainings add no gradient noise (mini-batches are their noise); vary lr, "
          "momentum, beta1, beta2, rho or eps");
  require(name != "weight-decay",
          "--vary weight-decay: the decay changes the landscape itself, while a sweep compares trainings on one "
          "landscape; run one descend per decay");
  require(name != "batch-size",
          "--vary batch-size: a sweep varies an optimizer setting (lr, momentum, beta1, beta2, rho, eps); run one "
          "descend per batch size");
  return config::parse_vary(text, kind);
}

// The mean and the nearest-rank median of v (NaN when empty, or when a
// value is NaN: a regression's accuracies, which cannot be ordered).
std::pair<double, double> mean_median(std::vector<double>& v) {
  if (v.empty() || std::any_of(v.begin(), v.end(), [](double x) { return std::isnan(x); })) return {kNaN, kNaN};
  const double mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  std::sort(v.begin(), v.end());
  return {mean, v[(v.size() + 1) / 2 - 1]};
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace

void resolve_network_sweep(const config::RunConfig& c, config::NetworkResolved& nr) {
  require(c.trace.empty(), "--trace: not available in a sweep");
  config::Resolved r;
  r.sweep = parse_network_vary(c.vary_text, c.opt.kind);
  if (!c.vary2_text.empty()) {
    r.sweep2 = parse_network_vary(c.vary2_text, c.opt.kind);
    require(r.sweep2.parameter != r.sweep.parameter,
            "--vary: " + r.sweep.parameter + " is varied twice; a 2-D sweep varies two different settings");
  }
  const std::int64_t settings = config::sweep_settings(r);
  require(settings <= 100000, "--vary: " + std::to_string(settings) + " settings; at most 100000 in all");
  require(nr.runs <= (std::int64_t{1} << 32) / settings,
          "--starts: " + std::to_string(nr.runs) + " trainings for each of " + std::to_string(settings) +
              " settings; at most 2^32 trainings in all");
  for (const config::SweepSpec* sp : {&r.sweep, &r.sweep2})
    if (sp->parameter == "lr" && nr.train.schedule.kind == ScheduleKind::kCosine)
      require(c.lr_min <= sp->values.front(),
              "--lr-min: must lie in 0..the smallest swept lr (" + number(sp->values.front()) + ")");
  nr.sweep_train.clear();
  for (std::int64_t s = 0; s < settings; ++s) {
    DescentParams p;
    p.opt = nr.train.opt;
    for (const auto& [name, v] : config::sweep_setting(r, s)) set_swept_parameter(p, name, v);
    nn::TrainParams t = nr.train;
    t.opt = p.opt;
    nr.sweep_train.push_back(t);
  }
  nr.sweep = r.sweep;
  nr.sweep2 = r.sweep2;
  nr.sweep_runs = nr.runs;
  nr.runs *= settings;
}

NetworkSweepResult tabulate_network_sweep(const config::NetworkResolved& nr, const NetworkResult& res) {
  const std::int64_t n = nr.sweep_runs, rows = nr.runs, settings = rows / n;
  NetworkSweepResult out;
  // A training's end is where it settled (nothing is quenched), and the
  // trainer does not watch for bouncing: fraction_bounced is left out.
  const std::vector<std::int8_t> bounced(static_cast<std::size_t>(rows), 0);
  out.table = analysis::tabulate_sweep({nr.sweep.parameter, nr.sweep.spacing, nr.sweep.values},
                                       {nr.sweep2.parameter, nr.sweep2.spacing, nr.sweep2.values}, n,
                                       res.minima.size(), res.labels, res.run_status, res.steps, res.labels, bounced);
  out.table.fraction_bounced.clear();
  io::NetworkSweepOutcomes& o = out.outcomes;
  const bool test = nr.data.has_test;
  std::vector<double> loss, acc, test_loss, test_acc;
  for (std::int64_t s = 0; s < settings; ++s) {
    loss.clear(), acc.clear(), test_loss.clear(), test_acc.clear();
    std::set<std::int32_t> reached;
    std::int64_t converged = 0;
    for (std::int64_t i = s * n; i < (s + 1) * n; ++i) {
      const auto k = static_cast<std::size_t>(i);
      const auto st = static_cast<DescentStatus>(res.run_status[k]);
      converged += st == DescentStatus::kConverged;
      if (st == DescentStatus::kDiverged) continue;
      reached.insert(res.labels[k]);
      loss.push_back(res.loss[k]);
      acc.push_back(res.accuracy[k]);
      test_loss.push_back(res.test_loss[k]);
      test_acc.push_back(res.test_accuracy[k]);
    }
    o.fraction_converged.push_back(static_cast<double>(converged) / static_cast<double>(n));
    o.minima_reached.push_back(static_cast<std::int64_t>(reached.size()));
    const std::pair<std::vector<double>*, std::pair<std::vector<double>*, std::vector<double>*>> cols[] = {
        {&loss, {&o.mean_loss, &o.median_loss}},
        {&acc, {&o.mean_accuracy, &o.median_accuracy}},
        {&test_loss, {&o.mean_test_loss, &o.median_test_loss}},
        {&test_acc, {&o.mean_test_accuracy, &o.median_test_accuracy}}};
    for (const auto& [values, into] : cols) {
      if (!test && (values == &test_loss || values == &test_acc)) continue;
      const auto [mean, median] = mean_median(*values);
      into.first->push_back(mean);
      into.second->push_back(median);
    }
  }
  return out;
}

void print_network_sweep(std::ostream& out, const NetworkSweepResult& s, const io::NetworkMinima& minima) {
  const analysis::SweepTable& t = s.table;
  const io::NetworkSweepOutcomes& o = s.outcomes;
  const bool two = t.two_dimensional(), test = !o.mean_test_loss.empty();
  const std::int64_t n2 = std::max<std::int64_t>(1, t.n_values2());
  out << "sweep of " << t.parameter << " (" << t.spacing << ", " << t.n_values() << " values)";
  if (two) out << " x " << t.parameter2 << " (" << t.spacing2 << ", " << t.n_values2() << " values)";
  out << ", " << t.n_starts << " trainings each (the same initial weights and batch orders): /sweep\n";
  char buf[256];
  std::snprintf(buf, sizeof buf, "%12s", t.parameter.c_str());
  out << buf;
  if (two) std::snprintf(buf, sizeof buf, "  %12s", t.parameter2.c_str()), out << buf;
  out << "  minima  converged  max-steps  diverged   mean_loss  median_loss  mean_acc  median_acc"
      << (test ? "  mean_test_acc  median_test_acc" : "") << "\n";
  for (std::int64_t v = 0; v < t.n_settings(); ++v) {
    const auto k = static_cast<std::size_t>(v);
    std::snprintf(buf, sizeof buf, "%12.6g", t.value[static_cast<std::size_t>(v / n2)]);
    out << buf;
    if (two) std::snprintf(buf, sizeof buf, "  %12.6g", t.value2[static_cast<std::size_t>(v % n2)]), out << buf;
    std::snprintf(buf, sizeof buf, "  %6lld  %9.4f  %9.4f  %8.4f  %10.6g  %11.6g  %8.4f  %10.4f",
                  static_cast<long long>(o.minima_reached[k]), o.fraction_converged[k], t.fraction_max_steps[k],
                  t.fraction_diverged[k], o.mean_loss[k], o.median_loss[k], o.mean_accuracy[k],
                  o.median_accuracy[k]);
    out << buf;
    if (test) std::snprintf(buf, sizeof buf, "  %13.4f  %15.4f", o.mean_test_accuracy[k], o.median_test_accuracy[k]), out << buf;
    out << "\n";
  }
  // Each setting's most populous minima, with what the minimum's
  // representative reached (the same function at every setting).
  out << "most populous minima per setting (#minimum: count, loss, accuracy" << (test ? ", test accuracy" : "")
      << "; rows of /minima):\n";
  const std::int64_t m = t.n_minima;
  for (std::int64_t v = 0; v < t.n_settings(); ++v) {
    std::vector<std::int64_t> order;
    for (std::int64_t j = 0; j < m; ++j)
      if (t.count[static_cast<std::size_t>(v * m + j)] > 0) order.push_back(j);
    std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
      return t.count[static_cast<std::size_t>(v * m + a)] > t.count[static_cast<std::size_t>(v * m + b)];
    });
    std::snprintf(buf, sizeof buf, "%12.6g", t.value[static_cast<std::size_t>(v / n2)]);
    out << buf;
    if (two) std::snprintf(buf, sizeof buf, "  %12.6g", t.value2[static_cast<std::size_t>(v % n2)]), out << buf;
    if (order.empty()) out << "  (every training diverged)";
    for (std::size_t q = 0; q < order.size() && q < 3; ++q) {
      const auto j = static_cast<std::size_t>(order[q]);
      std::snprintf(buf, sizeof buf, "  #%lld: %lld, %.4g, %.4f", static_cast<long long>(j),
                    static_cast<long long>(t.count[static_cast<std::size_t>(v * m) + j]), minima.loss[j],
                    minima.accuracy[j]);
      out << buf;
      if (test) std::snprintf(buf, sizeof buf, ", %.4f", minima.test_accuracy[j]), out << buf;
      out << (q + 1 < order.size() && q < 2 ? ";" : "");
    }
    if (order.size() > 3) out << "  (+" << order.size() - 3 << " more)";
    out << "\n";
  }
}

}  // namespace trilo::jobs
