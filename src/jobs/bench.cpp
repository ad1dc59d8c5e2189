#include "jobs/bench.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>

#include "backend/backend.hpp"
#include "config/run_config.hpp"
#include "core/catalog.hpp"
#include "expr/builtin_formulas.hpp"
#include "expr/jit.hpp"
#include "expr/parser.hpp"
#include "jobs/bench_networks.hpp"
#include "jobs/bench_pipeline.hpp"
#include "jobs/bench_stats.hpp"
#include "jobs/descent_run.hpp"
#include "perf/op_count.hpp"

namespace trilo::jobs {

namespace {

using backend::Precision;
using config::BadInput;

struct Case {
  std::string name;  // e.g. "rastrigin-16d", "rastrigin-16d+formula"
  LandscapeSpec land;
  double lr;
  LandscapeId builtin;  // the landscape (or the built-in a formula twins): box, op counts
  std::shared_ptr<const expr::Program> program;            // formula cases only
  std::shared_ptr<const expr::CompiledFormula> compiled;  // formula cases, when compiled
};

// "<landscape>-<dim>d": the landscape's default box and a learning rate at
// which plain gradient descent is stable on it.
Case parse_case(const std::string& name) {
  const auto dash = name.rfind('-');
  if (dash == std::string::npos || name.back() != 'd')
    throw BadInput("--cases: '" + name + "' is not <landscape>-<dim>d, e.g. rastrigin-16d");
  const std::string land = name.substr(0, dash), dim_text = name.substr(dash + 1, name.size() - dash - 2);
  int dim = 0;
  try {
    std::size_t used = 0;
    dim = std::stoi(dim_text, &used);
    if (used != dim_text.size()) throw std::invalid_argument("");
  } catch (const std::exception&) {
    throw BadInput("--cases: '" + name + "' has no dimension before its final 'd'");
  }
  const LandscapeInfo* info = nullptr;
  try {
    info = &landscape_info(land);
  } catch (const std::invalid_argument& e) {
    throw BadInput(std::string("--cases: ") + e.what());
  }
  if (dim < 1 || dim > kMaxDim || (info->fixed_dim > 0 && dim != info->fixed_dim) ||
      (info->id == LandscapeId::kRosenbrock && dim < 2))
    throw BadInput("--cases: '" + name + "': " + land + " has no " + std::to_string(dim) + "-D form");
  const double lr = info->id == LandscapeId::kRosenbrock ? 1e-4 : 1e-3;
  return {name, LandscapeSpec{info->id, dim, nullptr, nullptr}, lr, info->id, nullptr, nullptr};
}

// The case's landscape as its formula twin (src/expr/builtin_formulas.cpp),
// compiled for the CPU where a compiler is present (else interpreted; noted
// on `log`).
Case formula_case(const Case& c, std::ostream& log) {
  Case f = c;
  f.name += "+formula";
  auto program = std::make_shared<expr::Program>(expr::parse(expr::builtin_as_formula(c.builtin)));
  std::string why;
  f.compiled = expr::CompiledFormula::load_or_compile(*program, c.land.dim, &why);
  if (!f.compiled) log << "trilobite bench: " << f.name << " interpreted on the CPU: " << why << "\n";
  f.program = program;
  f.land = LandscapeSpec{LandscapeId::kExpr, c.land.dim, program.get(), f.compiled.get()};
  return f;
}

double seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

backend::DescentRequest descent_request(const Case& c, Precision prec, std::int64_t steps) {
  backend::DescentRequest q;
  q.landscape = c.land;
  q.precision = prec;
  q.params.opt.lr = c.lr;
  q.params.max_steps = steps;
  q.params.tol = 0;  // never converged: a descent costs `steps` steps unless it diverges
  const auto box = default_box(c.builtin, c.land.dim);
  q.starts.dim = c.land.dim;
  q.starts.seed = 1;
  for (int i = 0; i < c.land.dim; ++i) {
    q.starts.lo[i] = box[i].first;
    q.starts.hi[i] = box[i].second;
    q.params.bound_lo[i] = -1e30;
    q.params.bound_hi[i] = 1e30;
  }
  return q;
}

struct Row {
  std::string case_name, precision, backend;
  std::int64_t starts = 0;
  // steps_per_s and grid_points_per_s: compute alone (kernels, by device
  // events, on a GPU); the e2e rates include the results' way into host memory.
  double steps_per_s = 0, e2e_steps_per_s = 0, flops_per_step = 0, specials_per_step = 0, flops = 0,
         peak_fraction = 0;
  double grid_points_per_s = 0, grid_e2e_points_per_s = 0, grid_bytes_per_s = 0,
         bandwidth_fraction = 0;
  // The descents' median timed span (wall clock): below kShortSpan their
  // rate measures the scheduler as much as the work.
  double descent_span_s = 0;
};

// Timed spans shorter than this are flagged: a shared machine's scheduler
// hands out slices of a few milliseconds.
constexpr double kShortSpan = 0.02;

// Median rates of `repeats` runs of call() after one warm-up: items() per
// second of compute (on a GPU the kernels' time, by device events; on the
// CPU the wall clock) and end to end (the wall clock, which on a GPU adds the
// results' way into host memory).
struct Rates {
  double compute = 0, e2e = 0;
  double seconds = 0;  // the median wall-clock span of a run
};
template <class Call, class Items>
Rates median_rates(backend::Backend& be, int repeats, Call&& call, Items&& items) {
  std::vector<double> compute, e2e, spans;
  for (int rep = 0; rep <= repeats; ++rep) {
    (void)be.take_device_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    call();
    const double t = seconds(t0);
    const double device = be.take_device_seconds();
    if (rep == 0) continue;
    const double k = items();
    e2e.push_back(k / t);
    compute.push_back(k / (device > 0 ? device : t));
    spans.push_back(t);
  }
  return {median(compute), median(e2e), median(spans)};
}

// One row: descent and grid rates of case c on backend be.
Row measure(backend::Backend& be, const backend::PeakRates& peak, const Case& c, Precision prec,
            std::int64_t n, const BenchOptions& opt) {
  Row row;
  row.case_name = c.name;
  row.precision = prec == Precision::kF32 ? "f32" : "f64";
  row.backend = be.name();
  row.starts = n;
  const backend::DescentRequest q = descent_request(c, prec, opt.steps);
  backend::DescentBatch out;
  const Rates d = median_rates(be, opt.repeats, [&] { be.descend(q, 0, n, out); }, [&] {
    double steps = 0;
    for (std::int64_t k : out.steps) steps += double(k);
    return steps;
  });
  row.steps_per_s = d.compute;
  row.e2e_steps_per_s = d.e2e;
  // A formula does the built-in's arithmetic: its operation count.
  const perf::OpCount ops = perf::count_descent_step({c.builtin, c.land.dim}, q.params.opt);
  row.flops_per_step = ops.flops();
  row.specials_per_step = ops.special;
  row.flops = row.steps_per_s * ops.flops();
  row.peak_fraction = row.flops / (prec == Precision::kF32 ? peak.fp32_flops : peak.fp64_flops);

  // A 2-D plane grid of about n points: four float64 outputs per point.
  backend::GridRequest g;
  g.landscape = c.land;
  g.precision = prec;
  const auto box = default_box(c.builtin, c.land.dim);
  g.plane.dim = c.land.dim;
  g.plane.axis0 = 0;
  g.plane.axis1 = c.land.dim >= 2 ? 1 : -1;
  g.plane.n0 = std::max<std::int64_t>(2, std::llround(std::sqrt(double(n))));
  g.plane.n1 = c.land.dim >= 2 ? g.plane.n0 : 1;
  g.plane.lo0 = box[0].first;
  g.plane.hi0 = box[0].second;
  if (c.land.dim >= 2) {
    g.plane.lo1 = box[1].first;
    g.plane.hi1 = box[1].second;
  }
  for (int i = 0; i < c.land.dim; ++i) g.plane.origin[i] = 0.5 * (box[i].first + box[i].second);
  backend::GridTile tile;
  const std::int64_t points = g.plane.size();
  const Rates r = median_rates(be, opt.repeats, [&] { be.grid(g, 0, points, tile); },
                               [&] { return double(points); });
  row.grid_points_per_s = r.compute;
  row.grid_e2e_points_per_s = r.e2e;
  row.grid_bytes_per_s = row.grid_points_per_s * 4 * sizeof(double);
  row.bandwidth_fraction = row.grid_bytes_per_s / peak.write_bytes;
  row.descent_span_s = d.seconds;
  return row;
}

// For a formula row: its steps/s over its built-in's on the same backend,
// precision and starts (the target: at least 1/3); 0 otherwise.
double formula_fraction(const Row& r, const std::vector<Row>& rows) {
  const std::string suffix = "+formula";
  const std::size_t at = r.case_name.size() - std::min(r.case_name.size(), suffix.size());
  if (r.case_name.compare(at, std::string::npos, suffix) != 0) return 0;
  for (const Row& b : rows)
    if (b.case_name == r.case_name.substr(0, at) && b.backend == r.backend && b.precision == r.precision &&
        b.starts == r.starts && b.steps_per_s > 0)
      return r.steps_per_s / b.steps_per_s;
  return 0;
}

void print_table(const std::vector<Row>& rows, std::ostream& out) {
  char line[256];
  std::snprintf(line, sizeof line, "%-18s %-4s %9s %-5s %10s %10s %9s %8s %7s %10s %10s %7s %8s\n",
                "case", "prec", "starts", "back", "steps/s", "e2e st/s", "flop/step", "flop/s",
                "%peak", "grid pt/s", "e2e pt/s", "%bw", "gpu/cpu");
  out << line;
  for (const Row& r : rows) {
    std::string ratio = "";
    if (r.backend == "cuda")
      for (const Row& c : rows)
        if (c.backend == "cpu" && c.case_name == r.case_name && c.precision == r.precision &&
            c.starts == r.starts)
          ratio = si(r.steps_per_s / c.steps_per_s) + "x";
    std::snprintf(line, sizeof line,
                  "%-18s %-4s %9lld %-5s %10s %10s %9.1f %8s %6.2f%% %10s %10s %6.2f%% %8s\n",
                  r.case_name.c_str(), r.precision.c_str(), static_cast<long long>(r.starts),
                  r.backend.c_str(), si(r.steps_per_s).c_str(), si(r.e2e_steps_per_s).c_str(),
                  r.flops_per_step, si(r.flops).c_str(), 100 * r.peak_fraction,
                  si(r.grid_points_per_s).c_str(), si(r.grid_e2e_points_per_s).c_str(),
                  100 * r.bandwidth_fraction, ratio.c_str());
    out << line;
  }
  for (const Row& r : rows) {
    const double f = formula_fraction(r, rows);
    if (f > 0) {
      std::snprintf(line, sizeof line, "%s %s %lld starts on %s: formula/built-in steps/s = %.3f\n",
                    r.case_name.c_str(), r.precision.c_str(), static_cast<long long>(r.starts),
                    r.backend.c_str(), f);
      out << line;
    }
  }
}

nlohmann::json to_json(const Row& r, const std::vector<Row>& rows) {
  nlohmann::json j = {{"case", r.case_name},
          {"precision", r.precision},
          {"backend", r.backend},
          {"starts", r.starts},
          {"steps_per_s", r.steps_per_s},
          {"e2e_steps_per_s", r.e2e_steps_per_s},
          {"flops_per_step", r.flops_per_step},
          {"special_calls_per_step", r.specials_per_step},
          {"flops_per_s", r.flops},
          {"peak_fraction", r.peak_fraction},
          {"grid_points_per_s", r.grid_points_per_s},
          {"grid_e2e_points_per_s", r.grid_e2e_points_per_s},
          {"grid_bytes_per_s", r.grid_bytes_per_s},
          {"bandwidth_fraction", r.bandwidth_fraction},
          {"descent_span_s", r.descent_span_s}};
  const double f = formula_fraction(r, rows);
  if (f > 0) j["formula_over_builtin"] = f;
  return j;
}

}  // namespace

std::vector<std::string> default_bench_cases() {
  return {"quartic-dimple-2d", "rosenbrock-2d", "rosenbrock-16d", "rastrigin-2d", "rastrigin-16d"};
}

namespace {

// --pipeline: whole descend jobs (jobs/bench_pipeline.hpp), its options
// checked before any work.
void run_pipeline(const BenchOptions& opt, const std::vector<std::string>& precisions, std::ostream& out,
                  std::ostream& log) {
  if (opt.networks) throw BadInput("--networks: not with --pipeline, which times descend jobs on landscapes");
  if (opt.formula) throw BadInput("--formula: not with --pipeline, which times built-in landscapes");
  if (opt.steps_given)
    throw BadInput("--steps: not with --pipeline, whose jobs take each landscape's own steps, as descend does");
  PipelineOptions p;
  for (const std::string& n : opt.cases.empty() ? std::vector<std::string>{"quartic-dimple-2d"} : opt.cases) {
    if (is_network_case(n)) throw BadInput("--cases: '" + n + "': --pipeline times landscapes, not networks");
    const Case c = parse_case(n);
    p.cases.push_back({n, n.substr(0, n.rfind('-')), c.land.dim});
  }
  p.precisions = precisions;
  p.starts = opt.starts.empty() ? std::vector<std::int64_t>{1000000} : opt.starts;
  for (std::int64_t n : p.starts)
    if (n < 1 || n > (std::int64_t(1) << 34)) throw BadInput("--starts: each count must lie in 1..2^34");
  p.records = opt.records.empty() ? std::vector<std::string>{"none", "all"} : opt.records;
  for (const std::string& r : p.records)
    if (r != "none" && r != "sample" && r != "all")
      throw BadInput("--records: '" + r + "' is not one of none, sample, all");
  p.chunks = opt.chunks.empty() ? std::vector<std::int64_t>{config::RunConfig{}.chunk} : opt.chunks;
  for (std::int64_t c : p.chunks)
    if (c < 1 || c > (std::int64_t(1) << 30)) throw BadInput("--chunk: each size must lie in 1..2^30");
  if (opt.repeats < 1 || opt.repeats > 1000) throw BadInput("--repeats: must lie in 1..1000");
  if (opt.threads < 0) throw BadInput("--threads: must be >= 0 (0: OpenMP default)");
  const std::string& b = opt.backend;
  if (b != "all" && b != "cpu" && b != "cuda" && b != "zero-cost")
    throw BadInput("--backend: '" + b + "' is not one of all, cpu, cuda, zero-cost (with --pipeline)");
  // The zero-cost backend always, then the real ones asked for.
  p.backends = {"zero-cost"};
  if (b == "all" || b == "cpu") p.backends.push_back("cpu");
  if (b == "cuda" || (b == "all" && backend::cuda_device_count() > 0)) p.backends.push_back("cuda");
  p.repeats = opt.repeats;
  p.threads = opt.threads;
  p.json = opt.json;
  nlohmann::json doc;
  doc["program_version"] = TRILOBITE_VERSION;
  doc["compiler"] = TRILOBITE_BENCH_COMPILER;
  doc["flags"] = TRILOBITE_BENCH_FLAGS;
  doc["repeats"] = opt.repeats;
  if (!opt.json)
    out << "descend jobs, the median of " << opt.repeats << " runs; zero-cost: "
        << backend::make_zero_cost_backend(opt.threads)->device() << "\n";
  run_pipeline_bench(p, doc, out, log);
  if (opt.json) out << doc.dump(2) << "\n";
}

}  // namespace

void run_bench(const BenchOptions& opt, std::ostream& out, std::ostream& log) {
  check_descent_kernel_env();
  std::vector<std::string> precisions = opt.precisions;
  if (precisions.empty()) precisions = opt.pipeline ? std::vector<std::string>{"f32"} : std::vector<std::string>{"f32", "f64"};
  for (const std::string& p : precisions)
    if (p != "f32" && p != "f64") throw BadInput("--precision: '" + p + "' is not one of f32, f64");
  if (opt.pipeline) return run_pipeline(opt, precisions, out, log);
  if (!opt.records.empty()) throw BadInput("--records: only with --pipeline");
  if (!opt.chunks.empty()) throw BadInput("--chunk: only with --pipeline");
  if (opt.backend == "zero-cost")
    throw BadInput("--backend zero-cost: only with --pipeline (it computes nothing, so it has no rates of its own)");
  // Landscape cases and network cases (names "mlp..."); --networks runs the
  // whole network set, beside the landscape cases --cases names, so a
  // network case in --cases would be redundant (or a filter it does not do).
  std::vector<std::string> land_names, net_names;
  if (opt.cases.empty() && !opt.networks) land_names = default_bench_cases();
  for (const std::string& n : opt.cases) {
    if (is_network_case(n) && opt.networks)
      throw BadInput("--cases '" + n + "': --networks runs every network case already; "
                     "give network cases by --cases without --networks");
    (is_network_case(n) ? net_names : land_names).push_back(n);
  }
  if (opt.networks) net_names = network_bench_cases();
  check_network_cases(net_names);
  if (opt.formula && land_names.empty()) throw BadInput("--formula: applies to landscape cases, and none is asked for");
  const NetworkBenchData net_data = load_network_bench_data(net_names);
  std::vector<Case> cases;
  for (const std::string& n : land_names) {
    cases.push_back(parse_case(n));
    if (opt.formula) cases.push_back(formula_case(cases.back(), log));
  }
  std::vector<Precision> precs;
  for (const std::string& p : precisions) precs.push_back(p == "f32" ? Precision::kF32 : Precision::kF64);
  // --starts: descents per landscape case and networks per network case.
  const std::vector<std::int64_t> land_starts =
      opt.starts.empty() ? std::vector<std::int64_t>{1000, 100000} : opt.starts;
  const std::vector<std::int64_t> net_runs = opt.starts.empty() ? std::vector<std::int64_t>{16} : opt.starts;
  if (!land_names.empty())
    for (std::int64_t n : land_starts)
      if (n < 1 || n > (std::int64_t(1) << 34)) throw BadInput("--starts: each count must lie in 1..2^34");
  if (!net_names.empty())
    for (std::int64_t n : net_runs)
      if (n < 1 || n > 65536) throw BadInput("--starts: networks per network case must lie in 1..65536");
  if (opt.steps < 1 || opt.steps > 1000000) throw BadInput("--steps: must lie in 1..1000000");
  if (opt.repeats < 1 || opt.repeats > 1000) throw BadInput("--repeats: must lie in 1..1000");
  if (opt.threads < 0) throw BadInput("--threads: must be >= 0 (0: OpenMP default)");
  // cpu+scalar: the CPU backend twice, lanes path then scalar path, side by side.
  if (opt.backend != "all" && opt.backend != "cpu" && opt.backend != "cuda" &&
      opt.backend != "cpu+scalar")
    throw BadInput("--backend: '" + opt.backend + "' is not one of all, cpu, cuda, cpu+scalar");

  std::vector<std::unique_ptr<backend::Backend>> backends;
  if (opt.backend != "cuda") backends.push_back(backend::make_cpu_backend(opt.threads));
  if (!land_names.empty() && opt.backend == "cpu+scalar")
    backends.push_back(backend::make_cpu_scalar_backend(opt.threads));
  const bool on_cuda = opt.backend == "cuda" || (opt.backend == "all" && backend::cuda_device_count() > 0);
  if (on_cuda) backends.push_back(backend::make_cuda_backend());

  nlohmann::json doc;
  doc["program_version"] = TRILOBITE_VERSION;
  doc["compiler"] = TRILOBITE_BENCH_COMPILER;
  doc["flags"] = TRILOBITE_BENCH_FLAGS;
  doc["steps_per_descent"] = opt.steps;
  doc["repeats"] = opt.repeats;
  std::vector<Row> rows;
  backend::PeakRates cpu_peak, cuda_peak;
  for (auto& be : backends) {
    log << "trilobite bench: measuring the peak of " << be->name() << " (" << be->device() << ")\n";
    const backend::PeakRates peak = be->peak();
    if (be->name() == std::string("cpu")) cpu_peak = peak;
    if (be->name() == std::string("cuda")) cuda_peak = peak;
    doc["backends"][be->name()] = {{"device", be->device()},
                                   {"fp32_peak_flops", peak.fp32_flops},
                                   {"fp64_peak_flops", peak.fp64_flops},
                                   {"write_bandwidth_bytes_per_s", peak.write_bytes},
                                   {"peak_source", peak.source}};
    if (!opt.json)
      out << be->name() << ": " << be->device() << "; peak " << si(peak.fp32_flops) << "flop/s f32, "
          << si(peak.fp64_flops) << "flop/s f64, writes " << si(peak.write_bytes) << "B/s ("
          << peak.source << ")\n";
    if (land_names.empty()) continue;
    for (const Case& c : cases)
      for (Precision p : precs)
        for (std::int64_t n : land_starts) {
          log << "trilobite bench: " << c.name << " " << (p == Precision::kF32 ? "f32" : "f64") << " "
              << n << " starts on " << be->name() << "\n";
          rows.push_back(measure(*be, peak, c, p, n, opt));
        }
  }
  if (!opt.json) out << "compiler: " << TRILOBITE_BENCH_COMPILER << "; flags: " << TRILOBITE_BENCH_FLAGS << "\n";
  if (!land_names.empty()) {
    if (opt.json) {
      doc["results"] = nlohmann::json::array();
      for (const Row& r : rows) doc["results"].push_back(to_json(r, rows));
    } else {
      out << opt.steps << " steps per descent, median of " << opt.repeats << " runs\n";
      print_table(rows, out);
    }
    const auto short_rows =
        std::count_if(rows.begin(), rows.end(), [](const Row& r) { return r.descent_span_s < kShortSpan; });
    if (short_rows > 0)
      log << "trilobite bench: " << short_rows << " of " << rows.size() << " rows timed their descents over "
          << "less than " << kShortSpan * 1000 << " ms, where a shared machine's scheduler weighs as much as the "
          << "work; give them more --starts\n";
  }
  if (!net_names.empty()) {
    NetworkBenchOptions no;
    no.backends.clear();
    if (opt.backend != "cuda") no.backends.push_back("cpu");
    if (on_cuda) no.backends.push_back("cuda");
    no.cuda_peak = cuda_peak;
    no.precisions = precisions;
    no.runs = net_runs;
    no.steps = opt.steps;
    no.repeats = opt.repeats;
    no.threads = opt.threads;
    no.json = opt.json;
    run_network_bench(net_names, net_data, no, cpu_peak, doc, out, log);
  }
  if (opt.json) out << doc.dump(2) << "\n";
}

}  // namespace trilo::jobs
