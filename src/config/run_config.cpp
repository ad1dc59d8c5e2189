#include "config/run_config.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include "core/catalog.hpp"
#include "core/descent_defaults.hpp"

namespace trilo::config {

namespace {

[[noreturn]] void bad(const std::string& msg) { throw BadInput(msg); }

std::string fmt_number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

// A whole string as a finite double, or BadInput.
double parse_number(const std::string& text, const std::string& what) {
  const char* b = text.c_str();
  while (*b == ' ' || *b == '\t') ++b;
  char* e = nullptr;
  errno = 0;
  double v = std::strtod(b, &e);
  while (e && (*e == ' ' || *e == '\t')) ++e;
  if (e == b || *e != '\0' || errno == ERANGE || !std::isfinite(v))
    bad(what + ": '" + text + "' is not a finite number");
  return v;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  parts.push_back(cur);
  return parts;
}

void require(bool ok, const std::string& msg) {
  if (!ok) bad(msg);
}

bool is_directory(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

void resolve_builtin(RunConfig& c, Resolved& r);

}  // namespace

std::vector<double> parse_point(const std::string& text, const std::string& what) {
  require(!text.empty(), what + ": empty point");
  std::vector<double> p;
  for (const std::string& part : split(text, ',')) p.push_back(parse_number(part, what));
  return p;
}

std::vector<std::pair<double, double>> parse_box(const std::string& text, int dim) {
  std::vector<std::string> parts = split(text, ',');
  require(parts.size() == 1 || static_cast<int>(parts.size()) == dim,
          "--box: " + std::to_string(parts.size()) + " intervals given for dimension " +
              std::to_string(dim) + " (give one for all axes, or one per axis)");
  std::vector<std::pair<double, double>> box;
  for (const std::string& part : parts) {
    std::vector<std::string> ends = split(part, ':');
    require(ends.size() == 2, "--box: '" + part + "' is not an interval lo:hi");
    double lo = parse_number(ends[0], "--box"), hi = parse_number(ends[1], "--box");
    require(lo < hi, "--box: interval '" + part + "' is empty or inverted (need lo < hi)");
    box.emplace_back(lo, hi);
  }
  if (box.size() == 1) box.resize(dim, box[0]);
  return box;
}

std::vector<double> read_starts_file(const std::string& path, int dim) {
  std::ifstream in(path);
  require(in.good() && !is_directory(path), "--starts-file: cannot read '" + path + "'");
  std::vector<double> pts;
  std::string line;
  for (int lineno = 1; std::getline(in, line); ++lineno) {
    const auto hash = line.find('#');
    if (hash != std::string::npos) line.erase(hash);
    for (char& c : line)
      if (c == ',' || c == '\t' || c == ';' || c == '\r') c = ' ';
    std::istringstream fields(line);
    std::vector<double> p;
    for (std::string f; fields >> f;)
      p.push_back(parse_number(f, "--starts-file " + path + " line " + std::to_string(lineno)));
    if (p.empty()) continue;
    require(static_cast<int>(p.size()) == dim,
            "--starts-file " + path + " line " + std::to_string(lineno) + ": " +
                std::to_string(p.size()) + " coordinates, expected " + std::to_string(dim));
    pts.insert(pts.end(), p.begin(), p.end());
  }
  require(!pts.empty(), "--starts-file: '" + path + "' holds no start points");
  return pts;
}

OptimizerKind parse_optimizer(const std::string& name) {
  if (name == "gd") return OptimizerKind::kGd;
  if (name == "momentum") return OptimizerKind::kMomentum;
  if (name == "nesterov") return OptimizerKind::kNesterov;
  if (name == "adam") return OptimizerKind::kAdam;
  if (name == "rmsprop") return OptimizerKind::kRmsprop;
  bad("--optimizer: unknown optimizer '" + name + "' (known: gd, momentum, nesterov, adam, rmsprop)");
}

const char* optimizer_name(OptimizerKind k) {
  switch (k) {
    case OptimizerKind::kGd: return "gd";
    case OptimizerKind::kMomentum: return "momentum";
    case OptimizerKind::kNesterov: return "nesterov";
    case OptimizerKind::kAdam: return "adam";
    case OptimizerKind::kRmsprop: return "rmsprop";
  }
  return "?";
}

namespace {

// A built-in landscape: its dimension and box.
void resolve_builtin(RunConfig& c, Resolved& r) {
  const LandscapeInfo* info = nullptr;
  try {
    info = &landscape_info(c.landscape);
  } catch (const std::invalid_argument& e) {
    bad(std::string("-l/--landscape: ") + e.what());
  }
  if (info->fixed_dim > 0) {
    require(c.dim == 0 || c.dim == info->fixed_dim,
            "--dim: landscape '" + c.landscape + "' is " + std::to_string(info->fixed_dim) +
                "-dimensional, not " + std::to_string(c.dim));
    r.dim = info->fixed_dim;
  } else {
    r.dim = c.dim == 0 ? 2 : c.dim;
    require(r.dim >= 1 && r.dim <= kMaxDim,
            "--dim: " + std::to_string(r.dim) + " is outside 1.." + std::to_string(kMaxDim));
    require(!(info->id == LandscapeId::kRosenbrock && r.dim < 2),
            "--dim: rosenbrock needs at least 2 dimensions");
  }
  r.spec = LandscapeSpec{info->id, r.dim, nullptr};
  r.landscape_name = info->name;
  r.formula = info->formula;
  r.derivatives = info->id == LandscapeId::kBeale || info->id == LandscapeId::kGoldsteinPrice
                      ? "gradient: forward-mode dual numbers; Hessian: duals over the gradient"
                      : "gradient: hand-derived; Hessian: dual numbers over the gradient";
  auto box = c.box_text.empty() ? default_box(info->id, r.dim) : parse_box(c.box_text, r.dim);
  for (auto& [lo, hi] : box) {
    r.box_lo.push_back(lo);
    r.box_hi.push_back(hi);
  }
  r.known_minima = known_minima(info->id, r.dim);
}

}  // namespace

void resolve_schedule(RunConfig& c, std::int64_t steps, const std::string& steps_name) {
  const std::string& k = c.lr_schedule;
  require(k == "constant" || k == "step" || k == "exp" || k == "cosine",
          "--lr-schedule: '" + k + "' is not one of constant, step, exp, cosine");
  require(c.lr_step_every == 0 || k == "step",
          "--lr-step-every: applies to --lr-schedule step only (the schedule is " + k + ")");
  require(c.lr_gamma == 0 || k == "step" || k == "exp",
          "--lr-gamma: applies to --lr-schedule step or exp only (the schedule is " + k + ")");
  require(c.lr_min == 0 || k == "cosine",
          "--lr-min: applies to --lr-schedule cosine only (the schedule is " + k + ")");
  require(c.warmup_steps >= 0 && c.warmup_steps <= steps,
          "--warmup-steps: must lie in 0.." + steps_name + " (" + std::to_string(steps) + ")");
  LrSchedule& s = c.schedule;
  s = LrSchedule{};
  s.warmup = c.warmup_steps;
  if (k == "step") {
    require(c.lr_step_every >= 1 && c.lr_step_every <= (std::int64_t(1) << 40),
            c.lr_step_every_given ? "--lr-step-every: must lie in 1..2^40"
                                  : "--lr-schedule step: give --lr-step-every N (steps per period)");
    if (!c.lr_gamma_given && c.lr_gamma == 0) c.lr_gamma = 0.1;
    s.kind = ScheduleKind::kStep;
    s.every = c.lr_step_every;
  } else if (k == "exp") {
    require(c.lr_gamma_given || c.lr_gamma != 0,
            "--lr-schedule exp: give --lr-gamma G (the factor per step, e.g. 0.999)");
    s.kind = ScheduleKind::kExp;
  } else if (k == "cosine") {
    // A sweep of lr checks the floor against its smallest value instead.
    const bool lr_swept =
        c.job == "sweep" && (c.vary_text.rfind("lr=", 0) == 0 || c.vary2_text.rfind("lr=", 0) == 0);
    require(std::isfinite(c.lr_min) && c.lr_min >= 0 && (lr_swept || c.lr_min <= c.opt.lr),
            "--lr-min: must lie in 0..--lr (" + fmt_number(c.opt.lr) + ")");
    require(c.warmup_steps < steps,
            "--warmup-steps: must be below " + steps_name + " (" + std::to_string(steps) +
                ") with --lr-schedule cosine, which decays over the steps after it");
    s.kind = ScheduleKind::kCosine;
    s.min_lr = c.lr_min;
    s.horizon = steps - c.warmup_steps;
  }
  if (k == "step" || k == "exp") {
    require(c.lr_gamma > 0 && c.lr_gamma <= 1, "--lr-gamma: must lie in (0, 1], got " + fmt_number(c.lr_gamma));
    s.gamma = c.lr_gamma;
  }
}

Resolved validate(RunConfig& c) {
  Resolved r;
  if (c.expr_text.empty() && c.landscape_file.empty())
    resolve_builtin(c, r);
  else
    resolve_formula(c, r);
  c.dim = r.dim;

  // Backend, precision. (The output path is the CLI's: src/io/output_path.hpp.)
  require(c.backend == "auto" || c.backend == "cpu" || c.backend == "cuda",
          "--backend: '" + c.backend + "' is not one of auto, cpu, cuda");
  require(c.precision == "f32" || c.precision == "f64",
          "--precision: '" + c.precision + "' is not one of f32, f64");
  require(c.threads >= 0, "--threads: must be >= 0 (0: OpenMP default)");

  // Optimizer.
  c.opt.kind = parse_optimizer(c.optimizer);
  if (c.job != "grid" && c.job != "critical") {  // the jobs that descend with the optimizer
    const DescentDefaults d = descent_defaults(r.spec.id);
    // A rate from the curvature suits the gradient-proportional steps of gd,
    // momentum and nesterov; adam and rmsprop take steps of about lr
    // whatever the curvature, and keep 0.01.
    const bool curvature_rate = c.opt.kind == OptimizerKind::kGd || c.opt.kind == OptimizerKind::kMomentum ||
                                c.opt.kind == OptimizerKind::kNesterov;
    if (c.lr_from_landscape && curvature_rate) c.opt.lr = d.lr;
    if (c.steps_from_landscape) c.steps = d.steps;
  }
  require(std::isfinite(c.opt.lr) && c.opt.lr > 0, "--lr: must be a positive finite number, got " + fmt_number(c.opt.lr));
  require(c.opt.momentum >= 0 && c.opt.momentum < 1, "--momentum: must lie in [0, 1)");
  require(c.opt.beta1 >= 0 && c.opt.beta1 < 1, "--beta1: must lie in [0, 1)");
  require(c.opt.beta2 >= 0 && c.opt.beta2 < 1, "--beta2: must lie in [0, 1)");
  require(c.opt.rho >= 0 && c.opt.rho < 1, "--rho: must lie in [0, 1)");
  require(std::isfinite(c.opt.eps) && c.opt.eps > 0, "--eps: must be a positive finite number");
  require(c.steps >= 0 && c.steps <= (std::int64_t(1) << 40), "--steps: must lie in 0..2^40");
  resolve_schedule(c, c.steps, "--steps");
  require(!c.quench_steps_given || (c.quench_steps >= 0 && c.quench_steps <= (std::int64_t(1) << 40)),
          "--quench-steps: must lie in 0..2^40");
  if (c.quench_steps < 0) c.quench_steps = std::max<std::int64_t>(1000, c.steps);
  if (!c.tol_given) c.tol = c.precision == "f32" ? 1e-4 : 1e-6;
  require(std::isfinite(c.tol) && c.tol >= 0, "--tol: must be a finite number >= 0");
  require(std::isfinite(c.noise) && c.noise >= 0, "--noise: must be a finite number >= 0");
  require(std::isfinite(c.diverge_factor) && c.diverge_factor >= 1,
          "--diverge-factor: must be a finite number >= 1");
  require(c.chunk >= 1, "--chunk: must be >= 1");
  require(c.records == "all" || c.records == "sample" || c.records == "none",
          "--records: '" + c.records + "' is not one of all, sample, none");
  require(c.sample >= 1, "--sample: must be >= 1");
  require(c.tile >= 1, "--tile: must be >= 1");
  require(c.compression >= 0 && c.compression <= 9, "--compression: must lie in 0..9");
  require(std::isnan(c.merge_tol) == false, "--merge-tol: must be a number");

  // Starts: explicit points, a file, or random.
  for (const std::string& s : c.start_texts) {
    std::vector<double> p = parse_point(s, "--start");
    require(static_cast<int>(p.size()) == r.dim, "--start: '" + s + "' has " + std::to_string(p.size()) +
                                                     " coordinates, the landscape has " + std::to_string(r.dim));
    r.explicit_starts.insert(r.explicit_starts.end(), p.begin(), p.end());
  }
  if (!c.starts_file.empty()) {
    std::vector<double> pts = read_starts_file(c.starts_file, r.dim);
    r.explicit_starts.insert(r.explicit_starts.end(), pts.begin(), pts.end());
  }
  if (!r.explicit_starts.empty()) {
    r.n_starts = static_cast<std::int64_t>(r.explicit_starts.size()) / r.dim;
  } else {
    require(c.starts >= 1 && c.starts <= (std::int64_t(1) << 40), "--starts: must lie in 1..2^40");
    r.n_starts = c.starts;
  }
  require(c.trace_every >= 1, "--trace-every: must be >= 1");
  for (std::int64_t t : c.trace)
    require(t >= 0 && t < r.n_starts, "--trace: descent " + std::to_string(t) + " does not exist (there are " +
                                          std::to_string(r.n_starts) + ")");

  // Lattice for grids and basin maps.
  require(c.grid_res >= 2 && c.grid_res <= 100000, "--grid-res: must lie in 2..100000");
  require(c.basin_res >= 2 && c.basin_res <= 100000, "--basin-res: must lie in 2..100000");
  r.axis0 = 0;
  r.axis1 = r.dim >= 2 ? 1 : -1;
  if (!c.plane_axes_text.empty()) {
    std::vector<double> ax = parse_point(c.plane_axes_text, "--plane-axes");
    require(ax.size() == 2 && r.dim >= 2, "--plane-axes: give two axes i,j (dimension >= 2)");
    for (double a : ax)
      require(a == std::floor(a) && a >= 0 && a < r.dim,
              "--plane-axes: axes are whole numbers in 0.." + std::to_string(r.dim - 1));
    r.axis0 = static_cast<int>(ax[0]);
    r.axis1 = static_cast<int>(ax[1]);
    require(r.axis0 != r.axis1, "--plane-axes: the two axes must differ");
  }
  if (c.origin_text.empty()) {
    for (int i = 0; i < r.dim; ++i) r.origin.push_back(0.5 * (r.box_lo[i] + r.box_hi[i]));
  } else {
    r.origin = parse_point(c.origin_text, "--origin");
    require(static_cast<int>(r.origin.size()) == r.dim,
            "--origin: " + std::to_string(r.origin.size()) + " coordinates, the landscape has " +
                std::to_string(r.dim));
  }
  require(c.entropy_box >= 1 && c.entropy_box <= 100000, "--entropy-box: must lie in 1..100000");
  if (c.job == "sweep") {
    require(c.trace.empty(), "--trace: not available in a sweep");
    r.sweep = parse_vary(c.vary_text, c.opt.kind);
    if (!c.vary2_text.empty()) {
      r.sweep2 = parse_vary(c.vary2_text, c.opt.kind);
      require(r.sweep2.parameter != r.sweep.parameter,
              "--vary: " + r.sweep.parameter + " is varied twice; a 2-D sweep varies two different settings");
      require(sweep_settings(r) <= 100000,
              "--vary: " + std::to_string(r.sweep.values.size()) + " x " + std::to_string(r.sweep2.values.size()) +
                  " settings; at most 100000 in all");
    }
    for (const SweepSpec* sp : {&r.sweep, &r.sweep2})
      if (sp->parameter == "lr" && c.schedule.kind == ScheduleKind::kCosine)
        require(c.lr_min <= sp->values.front(),
                "--lr-min: must lie in 0..the smallest swept lr (" + fmt_number(sp->values.front()) + ")");
  }
  if (r.program) compile_formula(r);
  return r;
}

}  // namespace trilo::config
