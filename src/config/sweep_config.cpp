// --vary NAME=lo:hi:n[:log]: which optimizer setting a sweep varies, and over
// which values. Every value is checked as the single option would be.
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "config/run_config.hpp"

namespace trilo::config {

namespace {

[[noreturn]] void bad(const std::string& msg) { throw BadInput("--vary: " + msg); }

std::string fmt(double v) {
  std::ostringstream s;
  s.precision(17);
  s << v;
  return s.str();
}

double number(const std::string& text, const char* what) {
  const char* b = text.c_str();
  char* e = nullptr;
  errno = 0;
  const double v = std::strtod(b, &e);
  if (text.empty() || *e != '\0' || errno == ERANGE || !std::isfinite(v))
    bad(std::string(what) + " '" + text + "' is not a finite number");
  return v;
}

// The range of valid values of each setting, as validate() checks the single
// option; empty when `v` is valid.
std::string out_of_range(const std::string& name, double v) {
  if (name == "lr" && !(v > 0)) return "must be > 0";
  if ((name == "momentum" || name == "beta1" || name == "beta2" || name == "rho") &&
      !(v >= 0 && v < 1))
    return "must lie in [0, 1)";
  if (name == "eps" && !(v > 0)) return "must be > 0";
  if (name == "noise" && !(v >= 0)) return "must be >= 0";
  return "";
}

bool uses(OptimizerKind k, const std::string& name) {
  if (name == "lr" || name == "noise") return true;
  if (name == "momentum") return k == OptimizerKind::kMomentum || k == OptimizerKind::kNesterov;
  if (name == "beta1" || name == "beta2") return k == OptimizerKind::kAdam;
  if (name == "rho") return k == OptimizerKind::kRmsprop;
  if (name == "eps") return k == OptimizerKind::kAdam || k == OptimizerKind::kRmsprop;
  return false;
}

}  // namespace

SweepSpec parse_vary(const std::string& text, OptimizerKind kind) {
  if (text.empty()) bad("required: NAME=lo:hi:n[:log], e.g. lr=0.001:0.5:40");
  const auto eq = text.find('=');
  if (eq == std::string::npos) bad("'" + text + "' is not NAME=lo:hi:n[:log]");
  SweepSpec s;
  s.parameter = text.substr(0, eq);
  static const char* known[] = {"lr", "momentum", "beta1", "beta2", "rho", "eps", "noise"};
  bool ok = false;
  for (const char* k : known) ok = ok || s.parameter == k;
  if (!ok)
    bad("cannot vary '" + s.parameter + "' (known: lr, momentum, beta1, beta2, rho, eps, noise)");
  if (!uses(kind, s.parameter))
    bad("optimizer " + std::string(optimizer_name(kind)) + " does not use " + s.parameter);

  std::vector<std::string> parts;
  std::stringstream in(text.substr(eq + 1));
  for (std::string part; std::getline(in, part, ':');) parts.push_back(part);
  if (parts.size() != 3 && parts.size() != 4) bad("'" + text + "' is not NAME=lo:hi:n[:log]");
  const double lo = number(parts[0], "lo"), hi = number(parts[1], "hi");
  const double n_real = number(parts[2], "n");
  if (n_real != std::floor(n_real) || n_real < 2 || n_real > 100000)
    bad("n '" + parts[2] + "' must be a whole number in 2..100000");
  if (!(lo < hi)) bad("lo " + parts[0] + " must be below hi " + parts[1]);
  if (parts.size() == 4) {
    if (parts[3] != "log") bad("unknown spacing '" + parts[3] + "' (only 'log', or none: linear)");
    if (!(lo > 0)) bad("log spacing needs lo > 0, got " + parts[0]);
    s.spacing = "log";
  }

  const auto n = static_cast<std::int64_t>(n_real);
  for (std::int64_t k = 0; k < n; ++k) {
    const double t = static_cast<double>(k) / static_cast<double>(n - 1);
    double v;
    if (s.spacing == "log")
      v = std::exp(std::log(lo) * (1 - t) + std::log(hi) * t);
    else  // the lattice formula, exact at both ends
      v = (lo * static_cast<double>(n - 1 - k) + hi * static_cast<double>(k)) /
          static_cast<double>(n - 1);
    if (k == 0) v = lo;
    if (k == n - 1) v = hi;
    s.values.push_back(v);
  }
  for (double v : s.values) {
    const std::string why = out_of_range(s.parameter, v);
    if (!why.empty()) bad(s.parameter + " " + why + ", and the sweep reaches " + fmt(v));
  }
  return s;
}

}  // namespace trilo::config

namespace trilo::config {

bool optimizer_uses(OptimizerKind kind, const std::string& name) { return uses(kind, name); }

std::int64_t sweep_settings(const Resolved& r) {
  const auto n1 = static_cast<std::int64_t>(r.sweep.values.size());
  const auto n2 = static_cast<std::int64_t>(r.sweep2.values.size());
  return n2 > 0 ? n1 * n2 : n1;
}

std::vector<std::pair<std::string, double>> sweep_setting(const Resolved& r, std::int64_t s) {
  const auto n2 = static_cast<std::int64_t>(r.sweep2.values.size());
  if (n2 == 0) return {{r.sweep.parameter, r.sweep.values[s]}};
  return {{r.sweep.parameter, r.sweep.values[s / n2]}, {r.sweep2.parameter, r.sweep2.values[s % n2]}};
}

}  // namespace trilo::config
