#include "expr/program.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace trilo::expr {

int op_arity(Op op) {
  switch (op) {
    case Op::kConst: case Op::kDim: case Op::kLoopVar: case Op::kVar: case Op::kSumBegin:
      return 0;
    case Op::kAdd: case Op::kSub: case Op::kMul: case Op::kDiv: case Op::kPow:
    case Op::kAtan2: case Op::kMin: case Op::kMax:
      return 2;
    case Op::kSumEnd:
      return 1;
    default:
      return 1;
  }
}

const char* op_name(Op op) {
  switch (op) {
    case Op::kConst: return "constant";
    case Op::kDim: return "n";
    case Op::kLoopVar: return "index";
    case Op::kVar: return "w";
    case Op::kNeg: return "-";
    case Op::kExp: return "exp";
    case Op::kLog: return "log";
    case Op::kLog1p: return "log1p";
    case Op::kSqrt: return "sqrt";
    case Op::kSin: return "sin";
    case Op::kCos: return "cos";
    case Op::kTan: return "tan";
    case Op::kTanh: return "tanh";
    case Op::kSinh: return "sinh";
    case Op::kCosh: return "cosh";
    case Op::kAtan: return "atan";
    case Op::kAbs: return "abs";
    case Op::kSigmoid: return "sigmoid";
    case Op::kSoftplus: return "softplus";
    case Op::kAdd: return "+";
    case Op::kSub: return "-";
    case Op::kMul: return "*";
    case Op::kDiv: return "/";
    case Op::kPow: return "^";
    case Op::kAtan2: return "atan2";
    case Op::kMin: return "min";
    case Op::kMax: return "max";
    case Op::kSumBegin: return "sum";
    case Op::kSumEnd: return "sum";
  }
  return "?";
}

namespace {

struct Range {
  std::int64_t lo, hi;
};

std::int64_t eval_bound(const IndexExpr& e, std::int64_t n) {
  return (e.per_dim ? n : 0) + e.offset;
}

// A loop is live for n when it and every loop around it run at least once;
// indices inside dead loops are never read.
bool loop_live(const Program& p, int id, std::int64_t n) {
  for (; id >= 0; id = p.loops[id].parent) {
    if (eval_bound(p.loops[id].lo, n) > eval_bound(p.loops[id].hi, n)) return false;
  }
  return true;
}

// The range of loop slot `slot` seen from loop `id` (the innermost enclosing).
const LoopInfo* loop_at_slot(const Program& p, int id, int slot) {
  int depth = 0;
  for (int k = id; k >= 0; k = p.loops[k].parent) ++depth;
  for (int k = id; k >= 0; k = p.loops[k].parent) {
    --depth;
    if (depth == slot) return &p.loops[k];
  }
  return nullptr;
}

// Visits the index range of every live variable read.
template <class F>
void for_each_read(const Program& p, std::int64_t n, F&& f) {
  for (const Node& node : p.nodes) {
    if (node.op != Op::kVar) continue;
    if (!loop_live(p, node.loop_id, n)) continue;
    std::int64_t base = eval_bound(node.index, n);
    Range r{base, base};
    if (node.index.loop >= 0) {
      const LoopInfo* l = loop_at_slot(p, node.loop_id, node.index.loop);
      if (l == nullptr) continue;  // the parser never produces this
      r.lo += eval_bound(l->lo, n);
      r.hi += eval_bound(l->hi, n);
    }
    f(r, node);
  }
}

}  // namespace

std::int64_t Program::highest_index(std::int64_t n) const {
  std::int64_t best = 0;
  for_each_read(*this, n, [&](Range r, const Node&) { best = std::max(best, r.hi); });
  return best;
}

std::int64_t Program::fixed_highest_index() const {
  std::int64_t best = 0;
  for (const Node& node : nodes) {
    if (node.op == Op::kVar && !node.index.per_dim && node.index.loop < 0) {
      best = std::max(best, node.index.offset);
    }
  }
  return best;
}

bool Program::uses_dimension() const {
  for (const Node& node : nodes) {
    if (node.op == Op::kDim) return true;
    if (node.op == Op::kVar && node.index.per_dim) return true;
    if (node.op == Op::kSumBegin && (node.index.per_dim || node.hi.per_dim)) return true;
  }
  return false;
}

void Program::check_dimension(std::int64_t n) const {
  if (n < 1) throw std::invalid_argument("the dimension must be at least 1");
  for_each_read(*this, n, [&](Range r, const Node& node) {
    if (r.lo < 1) {
      throw std::invalid_argument("the formula reads w" + std::to_string(r.lo) + " (column " +
                                  std::to_string(node.pos + 1) + "); indices start at 1");
    }
    if (r.hi > n) {
      throw std::invalid_argument("the formula reads w" + std::to_string(r.hi) + " (column " +
                                  std::to_string(node.pos + 1) + ") but the dimension is " +
                                  std::to_string(n));
    }
  });
}

}  // namespace trilo::expr
