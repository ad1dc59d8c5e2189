// Recursive descent over the token list, emitting postfix nodes. Recursion
// is bounded by an explicit depth counter (kMaxDepth), checked on every
// construct that nests, so pathological input fails cleanly long before the
// C++ stack is at risk.
#include "expr/parser.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "expr/lexer.hpp"
#include "expr/names.hpp"

namespace trilo::expr {

namespace {

class Parser {
 public:
  Parser(const std::string& formula, const ParseOptions& options)
      : toks_(tokenize(formula)), options_(options) {
    prog_.formula = formula;
  }

  Program run() {
    if (peek().kind == TokenKind::kEnd) throw ParseError(0, "expected an expression (the formula is empty)");
    parse_expr();
    const Token& t = peek();
    if (t.kind != TokenKind::kEnd) {
      if (t.text == ")") throw ParseError(t.pos, "unmatched ')'");
      throw ParseError(t.pos, "expected an operator or the end of the formula, found '" + t.text + "'");
    }
    return std::move(prog_);
  }

 private:
  // Counts nesting; every recursive path passes through one of these.
  class DepthGuard {
   public:
    DepthGuard(Parser& p) : p_(p) {
      if (++p_.depth_ > kMaxDepth) {
        throw ParseError(p_.peek().pos,
                         "the formula is nested too deeply (limit " + std::to_string(kMaxDepth) + " levels)");
      }
    }
    ~DepthGuard() { --p_.depth_; }

   private:
    Parser& p_;
  };

  const Token& peek() const { return toks_[at_]; }
  const Token& next() { return toks_[at_ < toks_.size() - 1 ? at_++ : at_]; }
  bool at_symbol(char c) const { return peek().kind == TokenKind::kSymbol && peek().text[0] == c; }
  bool accept(char c) {
    if (!at_symbol(c)) return false;
    ++at_;
    return true;
  }
  std::string found() const {
    return peek().kind == TokenKind::kEnd ? "the end of the formula" : "'" + peek().text + "'";
  }
  void expect(char c, const std::string& context) {
    if (!accept(c)) {
      throw ParseError(peek().pos, std::string("expected '") + c + "' " + context + ", found " + found());
    }
  }

  int emit(Node n) {
    if (prog_.nodes.size() >= kMaxNodes) {
      throw ParseError(n.pos, "the formula has too many terms (limit " + std::to_string(kMaxNodes) + " nodes)");
    }
    prog_.nodes.push_back(n);
    return static_cast<int>(prog_.nodes.size()) - 1;
  }
  int emit_op(Op op, std::size_t pos, int a, int b = -1) {
    Node n;
    n.op = op;
    n.pos = static_cast<std::int32_t>(pos);
    n.a = a;
    n.b = b;
    n.varying = prog_.nodes[a].varying || (b >= 0 && prog_.nodes[b].varying);
    return emit(n);
  }
  int emit_const(double v, std::size_t pos) {
    Node n;
    n.op = Op::kConst;
    n.value = v;
    n.pos = static_cast<std::int32_t>(pos);
    return emit(n);
  }
  int emit_var(IndexExpr index, std::size_t pos) {
    Node n;
    n.op = Op::kVar;
    n.varying = true;
    n.index = index;
    n.loop_id = loop_ids_.empty() ? -1 : loop_ids_.back();
    n.pos = static_cast<std::int32_t>(pos);
    return emit(n);
  }

  int parse_expr() {
    DepthGuard guard(*this);
    int lhs = parse_term();
    while (at_symbol('+') || at_symbol('-')) {
      const Token& op = next();
      lhs = emit_op(op.text[0] == '+' ? Op::kAdd : Op::kSub, op.pos, lhs, parse_term());
    }
    return lhs;
  }

  int parse_term() {
    int lhs = parse_unary();
    while (at_symbol('*') || at_symbol('/')) {
      const Token& op = next();
      lhs = emit_op(op.text[0] == '*' ? Op::kMul : Op::kDiv, op.pos, lhs, parse_unary());
    }
    return lhs;
  }

  int parse_unary() {
    if (at_symbol('-') || at_symbol('+')) {
      DepthGuard guard(*this);
      const Token& op = next();
      int arg = parse_unary();
      if (op.text[0] == '+') return arg;
      if (prog_.nodes[arg].op == Op::kConst) {  // fold "-3" into one constant
        prog_.nodes[arg].value = -prog_.nodes[arg].value;
        return arg;
      }
      return emit_op(Op::kNeg, op.pos, arg);
    }
    return parse_power();
  }

  int parse_power() {
    int base = parse_primary();
    if (at_symbol('^')) {
      DepthGuard guard(*this);
      const Token& op = next();
      return emit_op(Op::kPow, op.pos, base, parse_unary());  // right-assoc via unary -> power
    }
    return base;
  }

  int parse_primary() {
    const Token& t = peek();
    if (t.kind == TokenKind::kNumber) {
      next();
      return emit_const(t.number, t.pos);
    }
    if (t.kind == TokenKind::kName) {
      next();
      return parse_name(t);
    }
    if (accept('(')) {
      int inner = parse_expr();
      expect(')', "to close the '(' at column " + std::to_string(t.pos + 1));
      return inner;
    }
    std::string msg = "expected an expression";
    if (at_ > 0 && toks_[at_ - 1].kind == TokenKind::kSymbol) msg += " after '" + toks_[at_ - 1].text + "'";
    throw ParseError(t.pos, msg + ", found " + found());
  }

  int parse_name(const Token& t) {
    const std::string& s = t.text;
    if (at_symbol('(')) {
      if (s == "sum") return parse_sum(t);
      if (const FunctionInfo* f = find_function(s)) return parse_call(t, *f);
      if (is_known_value(s)) throw ParseError(t.pos, "'" + s + "' is not a function");
      std::vector<std::string> names{"sum"};
      for (const auto& f : function_table()) names.push_back(f.name);
      const std::string hint = spelling_hint(s);
      throw ParseError(t.pos, "unknown function '" + s + "'" + (hint.empty() ? did_you_mean(s, names) : hint));
    }
    if (s == "w" && at_symbol('[')) return parse_indexed_variable(t);
    if (s == "sum" || find_function(s) != nullptr) {
      throw ParseError(peek().pos, "expected '(' after '" + s + "', found " + found());
    }
    if (s == "x" || s == "y" || s == "z") return emit_var(IndexExpr{false, -1, s[0] - 'x' + 1}, t.pos);
    if (is_numbered_variable(s)) return parse_numbered_variable(t);
    if (s == "n") {
      Node n;
      n.op = Op::kDim;
      n.pos = static_cast<std::int32_t>(t.pos);
      return emit(n);
    }
    if (s == "pi") return emit_const(3.141592653589793238462643383279502884, t.pos);
    if (s == "e") return emit_const(2.718281828459045235360287471352662498, t.pos);
    for (int slot = static_cast<int>(loop_vars_.size()) - 1; slot >= 0; --slot) {
      if (loop_vars_[slot] != s) continue;
      Node n;
      n.op = Op::kLoopVar;
      n.slot = slot;
      n.pos = static_cast<std::int32_t>(t.pos);
      return emit(n);
    }
    auto p = options_.parameters.find(s);
    if (p != options_.parameters.end()) return emit_const(p->second, t.pos);
    if (is_non_finite_word(s)) {
      throw ParseError(t.pos, "'" + s + "' is not allowed: numbers must be finite");
    }
    std::vector<std::string> names{"x", "y", "z", "n", "pi", "e", "w1"};
    for (const auto& v : loop_vars_) names.push_back(v);
    for (const auto& kv : options_.parameters) names.push_back(kv.first);
    std::string hint = did_you_mean(s, names);
    if (hint.empty() && is_identifier(s))
      hint = " (a parameter? give its value with --param " + s + "=VALUE, or under [parameters] of a landscape file)";
    throw ParseError(t.pos, "unknown name '" + s + "'" + hint);
  }

  bool is_known_value(const std::string& s) const {
    if (is_builtin_name(s) || options_.parameters.count(s) > 0) return true;
    for (const auto& v : loop_vars_) {
      if (v == s) return true;
    }
    return false;
  }

  int parse_call(const Token& name, const FunctionInfo& f) {
    expect('(', "after '" + name.text + "'");
    int args[2] = {-1, -1};
    int count = 0;
    if (!at_symbol(')')) {
      do {
        int a = parse_expr();
        if (count < 2) args[count] = a;
        ++count;
      } while (accept(','));
    }
    expect(')', "to close the arguments of '" + name.text + "'");
    if (count != f.arity) {
      throw ParseError(name.pos, "'" + name.text + "' takes " + std::to_string(f.arity) + " argument" +
                                     (f.arity == 1 ? "" : "s") + ", got " + std::to_string(count));
    }
    return emit_op(f.op, name.pos, args[0], args[1]);
  }

  int parse_numbered_variable(const Token& t) {
    const std::string digits = t.text.substr(1);
    if (digits.size() > 9 || std::stoll(digits) > kMaxIndex) {
      throw ParseError(t.pos, "variable index too large in '" + t.text + "' (limit " + std::to_string(kMaxIndex) + ")");
    }
    std::int64_t k = std::stoll(digits);
    if (k < 1) throw ParseError(t.pos, "variable indices start at 1 ('w1' is the first), found '" + t.text + "'");
    return emit_var(IndexExpr{false, -1, k}, t.pos);
  }

  int parse_indexed_variable(const Token& t) {
    expect('[', "after 'w'");
    std::size_t pos = peek().pos;
    IndexExpr index = parse_index(true, "index");
    expect(']', "after the index (an index is an integer, n or a sum counter, plus or minus integers)");
    if (!index.per_dim && index.loop < 0 && index.offset < 1) {
      throw ParseError(pos, "variable indices start at 1 ('w[1]' is the first), found w[" +
                                std::to_string(index.offset) + "]");
    }
    if (index.loop >= 0) {
      // A counter that starts at a fixed value gives a fixed first index:
      // catch w[i-1] with i from 1 here rather than at evaluation.
      const LoopInfo& l = prog_.loops[loop_ids_[index.loop]];
      if (!l.lo.per_dim && !index.per_dim && l.lo.offset + index.offset < 1) {
        throw ParseError(pos, "this index reaches w" + std::to_string(l.lo.offset + index.offset) + " when " +
                                  loop_vars_[index.loop] + " = " + std::to_string(l.lo.offset) +
                                  "; indices start at 1");
      }
    }
    return emit_var(index, t.pos);
  }

  // integer | n | counter, joined by + and - ; n and the counter at most once
  // each and only added, so the range of an index is known before evaluation.
  IndexExpr parse_index(bool allow_counter, const char* what) {
    IndexExpr e;
    bool negative = accept('-');
    if (!negative) accept('+');
    for (;;) {
      const Token& t = peek();
      if (t.kind == TokenKind::kNumber && t.integer) {
        next();
        if (t.number > static_cast<double>(kMaxIndex)) {
          throw ParseError(t.pos, std::string(what) + " too large (limit " + std::to_string(kMaxIndex) + ")");
        }
        auto v = static_cast<std::int64_t>(t.number);
        e.offset += negative ? -v : v;
      } else if (t.kind == TokenKind::kName && (t.text == "n" || counter_slot(t.text) >= 0)) {
        bool is_n = t.text == "n";
        if (!is_n && !allow_counter) {
          throw ParseError(t.pos, "sum bounds may use only integers and n, not the counter '" + t.text + "'");
        }
        if (negative || (is_n ? e.per_dim : e.loop >= 0)) {
          throw ParseError(t.pos, std::string("'") + t.text + "' may appear once in an " + what +
                                      ", and only added");
        }
        next();
        if (is_n) e.per_dim = true; else e.loop = counter_slot(t.text);
      } else {
        throw ParseError(t.pos, std::string("expected an integer, n") + (allow_counter ? " or a sum counter" : "") +
                                    " in the " + what + ", found " + found());
      }
      if (at_symbol('+') || at_symbol('-')) {
        negative = next().text[0] == '-';
      } else {
        return e;
      }
    }
  }

  int counter_slot(const std::string& s) const {
    for (int slot = static_cast<int>(loop_vars_.size()) - 1; slot >= 0; --slot) {
      if (loop_vars_[slot] == s) return slot;
    }
    return -1;
  }

  int parse_sum(const Token& name) {
    DepthGuard guard(*this);
    expect('(', "after 'sum'");
    const Token& var = peek();
    if (var.kind != TokenKind::kName) {
      throw ParseError(var.pos, "expected the name of the sum counter, found " + found());
    }
    if (is_known_value(var.text) || is_non_finite_word(var.text)) {
      throw ParseError(var.pos, "the sum counter '" + var.text + "' must be a new name");
    }
    next();
    expect(',', "after the sum counter");
    LoopInfo loop;
    loop.lo = parse_index(false, "lower bound");
    expect(',', "after the lower bound of the sum");
    loop.hi = parse_index(false, "upper bound");
    expect(',', "after the upper bound of the sum");
    loop.parent = loop_ids_.empty() ? -1 : loop_ids_.back();

    Node begin;
    begin.op = Op::kSumBegin;
    begin.index = loop.lo;
    begin.hi = loop.hi;
    begin.slot = static_cast<std::int32_t>(loop_vars_.size());
    begin.loop_id = static_cast<std::int32_t>(prog_.loops.size());
    begin.pos = static_cast<std::int32_t>(name.pos);
    prog_.loops.push_back(loop);
    int b = emit(begin);
    loop_vars_.push_back(var.text);
    loop_ids_.push_back(begin.loop_id);
    prog_.max_loop_depth = std::max(prog_.max_loop_depth, static_cast<int>(loop_vars_.size()));

    int body = parse_expr();
    expect(')', "to close the 'sum(' at column " + std::to_string(name.pos + 1));
    loop_vars_.pop_back();
    loop_ids_.pop_back();

    Node end = prog_.nodes[b];
    end.op = Op::kSumEnd;
    end.a = body;
    end.b = b;
    end.varying = prog_.nodes[body].varying;
    int e = emit(end);
    prog_.nodes[b].end = e;
    return e;
  }

  std::vector<Token> toks_;
  std::size_t at_ = 0;
  const ParseOptions& options_;
  Program prog_;
  int depth_ = 0;
  std::vector<std::string> loop_vars_;  // by slot, outermost first
  std::vector<int> loop_ids_;           // Program::loops index, by slot
};

}  // namespace

Program parse(const std::string& formula, const ParseOptions& options) {
  for (const auto& kv : options.parameters) {
    if (!is_identifier(kv.first) || is_builtin_name(kv.first) || is_non_finite_word(kv.first)) {
      throw std::invalid_argument("invalid parameter name '" + kv.first + "' (must be a new identifier)");
    }
  }
  if (formula.size() > kMaxFormulaLength) {
    throw ParseError(kMaxFormulaLength, "the formula is longer than " + std::to_string(kMaxFormulaLength) + " bytes");
  }
  Program program = Parser(formula, options).run();
  static std::atomic<std::uint64_t> next_serial{1};
  program.serial = next_serial++;
  return program;
}

}  // namespace trilo::expr
