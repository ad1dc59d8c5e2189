#include "expr/derivatives.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "expr/partials.hpp"

namespace trilo::expr {

Evaluator::Evaluator(const Program& program, int dim)
    : program_(program), dim_(dim), packed_(static_cast<std::size_t>(dim) * (dim + 1) / 2) {
  if (program_.nodes.empty()) throw std::invalid_argument("empty program");
  program_.check_dimension(dim);
  const std::size_t count = program_.nodes.size();
  val_.assign(count, 0.0);
  slot_.assign(count, -1);
  std::int32_t slots = 0;
  for (std::size_t k = 0; k < count; ++k) {
    if (program_.nodes[k].varying) slot_[k] = slots++;
  }
  grad_.assign(static_cast<std::size_t>(slots) * dim_, 0.0);
  counter_.assign(program_.max_loop_depth, 0);
  hi_.assign(program_.max_loop_depth, 0);
}

double Evaluator::value(const double* w) { return run<0>(w); }

double Evaluator::value_gradient(const double* w, double* grad) {
  double v = run<1>(w);
  const Node& root = program_.nodes.back();
  int r = static_cast<int>(program_.nodes.size()) - 1;
  for (int i = 0; i < dim_; ++i) grad[i] = root.varying ? grad_of(r)[i] : 0.0;
  return v;
}

double Evaluator::value_gradient_hessian(const double* w, double* grad, double* hess) {
  // Allocated on first use so that gradient-only users never pay n^2 memory.
  std::size_t need = grad_.size() / std::max(dim_, 1) * packed_;
  if (hess_.size() != need) hess_.assign(need, 0.0);
  double v = run<2>(w);
  int r = static_cast<int>(program_.nodes.size()) - 1;
  bool varying = program_.nodes.back().varying;
  for (int i = 0; i < dim_; ++i) {
    grad[i] = varying ? grad_of(r)[i] : 0.0;
    for (int j = 0; j <= i; ++j) {
      double h = varying ? hess_of(r)[static_cast<std::size_t>(i) * (i + 1) / 2 + j] : 0.0;
      hess[static_cast<std::size_t>(i) * dim_ + j] = h;
      hess[static_cast<std::size_t>(j) * dim_ + i] = h;
    }
  }
  return v;
}

template <int Order>
double Evaluator::run(const double* w) {
  const std::vector<Node>& nodes = program_.nodes;
  const int n = dim_;
  const std::size_t count = nodes.size();
  for (std::size_t k = 0; k < count;) {
    const Node& node = nodes[k];
    double& out = val_[k];
    switch (node.op) {
      case Op::kConst: out = node.value; break;
      case Op::kDim: out = n; break;
      case Op::kLoopVar: out = static_cast<double>(counter_[node.slot]); break;
      case Op::kVar: {
        std::int64_t i = (node.index.per_dim ? n : 0) + node.index.offset +
                         (node.index.loop >= 0 ? counter_[node.index.loop] : 0);
        // check_dimension rules out bad indices; this guard keeps any
        // remaining gap from becoming an out-of-bounds read.
        bool ok = i >= 1 && i <= n;
        out = ok ? w[i - 1] : std::numeric_limits<double>::quiet_NaN();
        if constexpr (Order >= 1) {
          double* g = grad_of(static_cast<int>(k));
          std::fill(g, g + n, 0.0);
          if (ok) g[i - 1] = 1.0;
        }
        if constexpr (Order >= 2) std::fill(hess_of(static_cast<int>(k)), hess_of(static_cast<int>(k)) + packed_, 0.0);
        break;
      }
      case Op::kSumBegin: {
        std::int64_t lo = (node.index.per_dim ? n : 0) + node.index.offset;
        std::int64_t hi = (node.hi.per_dim ? n : 0) + node.hi.offset;
        counter_[node.slot] = lo;
        hi_[node.slot] = hi;
        int e = node.end;
        val_[e] = 0.0;
        if constexpr (Order >= 1) {
          if (slot_[e] >= 0) std::fill(grad_of(e), grad_of(e) + n, 0.0);
        }
        if constexpr (Order >= 2) {
          if (slot_[e] >= 0) std::fill(hess_of(e), hess_of(e) + packed_, 0.0);
        }
        k = lo > hi ? static_cast<std::size_t>(e) + 1 : k + 1;
        continue;
      }
      case Op::kSumEnd: {
        out += val_[node.a];
        if constexpr (Order >= 1) {
          if (node.varying) {
            const double* gb = grad_of(node.a);
            double* g = grad_of(static_cast<int>(k));
            for (int i = 0; i < n; ++i) g[i] += gb[i];
            if constexpr (Order >= 2) {
              const double* hb = hess_of(node.a);
              double* h = hess_of(static_cast<int>(k));
              for (std::size_t i = 0; i < packed_; ++i) h[i] += hb[i];
            }
          }
        }
        if (++counter_[node.slot] <= hi_[node.slot]) {
          k = static_cast<std::size_t>(node.b) + 1;
          continue;
        }
        break;
      }
      default: {
        const bool binary = op_arity(node.op) == 2;
        const double a = val_[node.a];
        const double b = binary ? val_[node.b] : 0.0;
        if constexpr (Order == 0) {
          out = apply(node.op, a, b);
        } else {
          if (!node.varying) {
            out = apply(node.op, a, b);
            break;
          }
          const bool av = nodes[node.a].varying;
          const bool bv = binary && nodes[node.b].varying;
          Partials p = partials(node.op, a, b, bv, Order);
          out = p.f;
          const double* ga = av ? grad_of(node.a) : nullptr;
          const double* gb = bv ? grad_of(node.b) : nullptr;
          double* g = grad_of(static_cast<int>(k));
          for (int i = 0; i < n; ++i) g[i] = (ga ? p.fa * ga[i] : 0.0) + (gb ? p.fb * gb[i] : 0.0);
          if constexpr (Order >= 2) {
            const double* ha = av ? hess_of(node.a) : nullptr;
            const double* hb = bv ? hess_of(node.b) : nullptr;
            double* h = hess_of(static_cast<int>(k));
            // Zero partials are skipped only when exactly zero, so NaN and
            // inf still propagate.
            const bool aa = ga && p.faa != 0.0, ab = ga && gb && p.fab != 0.0, bb = gb && p.fbb != 0.0;
            std::size_t idx = 0;
            for (int i = 0; i < n; ++i) {
              for (int j = 0; j <= i; ++j, ++idx) {
                double s = (ha ? p.fa * ha[idx] : 0.0) + (hb ? p.fb * hb[idx] : 0.0);
                if (aa) s += p.faa * ga[i] * ga[j];
                if (ab) s += p.fab * (ga[i] * gb[j] + gb[i] * ga[j]);
                if (bb) s += p.fbb * gb[i] * gb[j];
                h[idx] = s;
              }
            }
          }
        }
        break;
      }
    }
    ++k;
  }
  return val_.back();
}

double evaluate(const Program& program, const std::vector<double>& w) {
  return Evaluator(program, static_cast<int>(w.size())).value(w.data());
}

double evaluate_gradient(const Program& program, const std::vector<double>& w, std::vector<double>& grad) {
  grad.assign(w.size(), 0.0);
  return Evaluator(program, static_cast<int>(w.size())).value_gradient(w.data(), grad.data());
}

double evaluate_hessian(const Program& program, const std::vector<double>& w, std::vector<double>& grad,
                        std::vector<double>& hess) {
  grad.assign(w.size(), 0.0);
  hess.assign(w.size() * w.size(), 0.0);
  return Evaluator(program, static_cast<int>(w.size())).value_gradient_hessian(w.data(), grad.data(), hess.data());
}

}  // namespace trilo::expr
