#include "perf/op_count.hpp"

#include <stdexcept>

#include "core/descent.hpp"
#include "core/landscapes.hpp"
#include "core/work.hpp"

namespace trilo {

namespace {
// One counter per thread: counting runs single-threaded, but tests may not.
thread_local perf::OpCount g_ops;
}  // namespace

// A double that counts the arithmetic done on it. It lives in namespace
// trilo so that the unqualified exp/sqrt/... of the landscapes find its
// overloads, as they find Dual's.
struct Counted {
  double v = 0;
  Counted() = default;
  Counted(double c) : v(c) {}  // NOLINT: constants promote implicitly, as for Dual
  explicit operator double() const { return v; }
  explicit operator float() const { return static_cast<float>(v); }
  Counted& operator+=(Counted b) { return *this = *this + b; }
  Counted& operator-=(Counted b) { return *this = *this - b; }
  Counted& operator*=(Counted b) { return *this = *this * b; }
  Counted& operator/=(Counted b) { return *this = *this / b; }
  friend Counted operator+(Counted a, Counted b) { ++g_ops.add; return a.v + b.v; }
  friend Counted operator-(Counted a, Counted b) { ++g_ops.add; return a.v - b.v; }
  friend Counted operator*(Counted a, Counted b) { ++g_ops.mul; return a.v * b.v; }
  friend Counted operator/(Counted a, Counted b) { ++g_ops.div; return a.v / b.v; }
  friend Counted operator-(Counted a) { return -a.v; }  // a sign flip, not a flop
  friend bool operator<(Counted a, Counted b) { ++g_ops.compare; return a.v < b.v; }
  friend bool operator>(Counted a, Counted b) { ++g_ops.compare; return a.v > b.v; }
  friend bool operator<=(Counted a, Counted b) { ++g_ops.compare; return a.v <= b.v; }
  friend bool operator>=(Counted a, Counted b) { ++g_ops.compare; return a.v >= b.v; }
  friend bool operator==(Counted a, Counted b) { ++g_ops.compare; return a.v == b.v; }
  friend bool operator!=(Counted a, Counted b) { ++g_ops.compare; return a.v != b.v; }
};

inline Counted special(double r) {
  ++g_ops.special;
  return r;
}
inline Counted exp(Counted a) { return special(std::exp(a.v)); }
inline Counted log(Counted a) { return special(std::log(a.v)); }
inline Counted sqrt(Counted a) { return special(std::sqrt(a.v)); }
inline Counted sin(Counted a) { return special(std::sin(a.v)); }
inline Counted cos(Counted a) { return special(std::cos(a.v)); }
inline Counted fma(Counted a, Counted b, Counted c) {
  ++g_ops.fma;
  return std::fma(a.v, b.v, c.v);
}
inline bool is_finite(Counted a) {
  ++g_ops.compare;
  return std::isfinite(a.v);
}

namespace perf {

namespace {

perf::OpCount scaled(const perf::OpCount& c, double k) {
  return {c.add * k, c.mul * k, c.div * k, c.fma * k, c.special * k, c.compare * k};
}

}  // namespace

OpCount count_descent_step(const LandscapeSpec& spec, const OptimizerParams& opt,
                           std::int64_t steps) {
  if (spec.id == LandscapeId::kExpr) throw std::invalid_argument("operation counts need a built-in landscape");
  return with_builtin_landscape(spec, [&](const auto& land) {
    DescentParams p;
    p.opt = opt;
    p.max_steps = steps;
    p.tol = 0;  // never converged: exactly `steps` updates
    // The bounce watch runs in a descent's last 16 steps only: not a step's cost.
    p.bounce_watch = false;
    for (int i = 0; i < land.dim; ++i) {
      p.bound_lo[i] = -1e300;
      p.bound_hi[i] = 1e300;
    }
    Counted x[kMaxDim];
    for (int i = 0; i < land.dim; ++i) x[i] = 0.3 + 0.1 * i;  // a generic point: no exact zeros
    g_ops = {};
    descend_one<Counted, kMaxDim>(land, p, 0, x);
    // steps + 1 gradient evaluations for `steps` updates; the extra one is
    // the final check, shared out over the steps.
    return scaled(g_ops, 1.0 / double(steps));
  });
}

OpCount count_grid_point(const LandscapeSpec& spec) {
  if (spec.id == LandscapeId::kExpr) throw std::invalid_argument("operation counts need a built-in landscape");
  return with_builtin_landscape(spec, [&](const auto& land) {
    Counted x[kMaxDim], g[kMaxDim];
    for (int i = 0; i < land.dim; ++i) x[i] = 0.3 + 0.1 * i;
    g_ops = {};
    land.value_grad(x, g);
    Counted gn2(0);
    for (int i = 0; i < land.dim; ++i) gn2 += g[i] * g[i];
    sqrt(gn2);
    return g_ops;
  });
}

}  // namespace perf
}  // namespace trilo
