// A parsed formula as a flat node array in postfix order: every node's
// operands come before it, so one forward pass evaluates the whole formula
// without recursion (no stack to overflow, and the same layout can later be
// turned into straight-line CUDA source). sum() is the only control flow: a
// kSumBegin / kSumEnd pair brackets the body and kSumEnd jumps back.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace trilo::expr {

enum class Op : std::uint8_t {
  // leaves
  kConst,    // value
  kDim,      // the dimension n, as a number
  kLoopVar,  // the counter of an enclosing sum(), as a number
  kVar,      // w[index]
  // unary
  kNeg, kExp, kLog, kLog1p, kSqrt, kSin, kCos, kTan, kTanh, kSinh, kCosh,
  kAtan, kAbs, kSigmoid, kSoftplus,
  // binary
  kAdd, kSub, kMul, kDiv, kPow, kAtan2, kMin, kMax,
  // sum(i, lo, hi, body)
  kSumBegin,
  kSumEnd,
};

int op_arity(Op op);           // operands read from a/b: 0, 1 or 2
const char* op_name(Op op);    // the spelling in formulas ("exp", "+", "sum")

// An integer that is affine in the dimension and in at most one loop counter:
//   value = (per_dim ? n : 0) + (loop >= 0 ? counter[loop] : 0) + offset.
// Enough for w[i], w[i+1], sum(i, 1, n-1, ...) and w7, and simple enough that
// the range of every variable index is known for a given n before evaluating.
struct IndexExpr {
  bool per_dim = false;
  int loop = -1;  // loop slot (nesting level of the sum), -1: none
  std::int64_t offset = 0;
};

struct Node {
  Op op = Op::kConst;
  // Depends on w; constant nodes (including loop counters) skip all
  // derivative work in the evaluator.
  bool varying = false;
  std::int32_t a = -1, b = -1;  // operand node indices; kSumEnd: a = body root, b = its kSumBegin
  double value = 0.0;           // kConst
  IndexExpr index;              // kVar; kSumBegin: lower bound
  IndexExpr hi;                 // kSumBegin: upper bound
  std::int32_t slot = -1;       // kLoopVar, kSumBegin, kSumEnd: loop slot
  std::int32_t end = -1;        // kSumBegin: index of its kSumEnd
  std::int32_t loop_id = -1;    // kSumBegin/kSumEnd/kVar: innermost enclosing loop (Program::loops)
  std::int32_t pos = 0;         // byte offset in the formula, for messages
};

// One sum() as the parser saw it, for range checks before evaluation.
struct LoopInfo {
  IndexExpr lo, hi;  // never refer to a loop counter
  int parent = -1;   // enclosing loop id, -1: top level
};

struct Program {
  std::vector<Node> nodes;  // postfix; the root is nodes.back()
  std::vector<LoopInfo> loops;
  std::string formula;
  int max_loop_depth = 0;
  // Unique per parse() call, so caches keyed on a program (per-thread
  // evaluators) never mistake a new program at a reused address for an old one.
  std::uint64_t serial = 0;

  // The highest variable index read for dimension n (0 when no variable is
  // read), counting only w[...] inside sums that run at least once.
  std::int64_t highest_index(std::int64_t n) const;
  // The highest index that does not depend on n (x, y, z, w7, w[3]).
  std::int64_t fixed_highest_index() const;
  // True when some index or the value of the formula depends on n.
  bool uses_dimension() const;
  // Throws std::invalid_argument ("the formula reads w7 but the dimension is
  // 5") unless every index read for dimension n lies in 1..n.
  void check_dimension(std::int64_t n) const;
};

}  // namespace trilo::expr
