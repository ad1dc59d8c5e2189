// The landscape table and its documented minima.
//
// Every hard-coded minimum below was located with the literature as a guide
// and then polished by Newton's method on the exact (sympy) gradient and
// Hessian in 60-digit mpmath arithmetic, until the Newton step was below
// 1e-50; the Hessian there was checked positive definite. Completeness for
// the two-dimensional landscapes: a 61 x 61 grid of starts, each refined both
// by Newton on the gradient (reaching saddles and maxima too) and by damped
// descent, found every critical point in the default box; for the polynomial
// ones the count was cross-checked by resultants of the two gradient
// components. The digits are rounded to 19-22 significant figures, well past
// double precision, so a stored position is the double nearest the true one.
#include "core/catalog.hpp"

#include "core/edit_distance.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>

#include "core/edit_distance.hpp"
#include <stdexcept>
#include <string>

namespace trilo {
namespace {

constexpr double kSame = std::numeric_limits<double>::quiet_NaN();

// Styblinski-Tang is separable: each coordinate of a minimum is one of the
// two minimising roots of the 1-D derivative 2 t^3 - 16 t + 2.5 = 0 (the third
// root, 0.15673..., is a 1-D maximum). Values per coordinate at each root.
constexpr double kStRootLow = -2.903534027771177095119;
constexpr double kStRootHigh = 2.746802770990836992453;
constexpr double kStValueLow = -39.16616570377141546389;
constexpr double kStValueHigh = -25.02944665528394260699;
// Above this dimension the 2^n lattice of local minima is too long to list.
constexpr int kStMaxLatticeDim = 6;

// Extended Rosenbrock, 4 <= n <= 7: the one local minimum besides (1, ..., 1),
// near (-1, 1, ..., 1). Kok & Sandrock 2009 prove (Sturm sequences) exactly two
// minima for these n; Shang & Qiu 2006 report two up to n = 30 numerically,
// and Newton finds this one at n = 8, 9 too. Only the proven range is listed.
// Newton started at (-1, 1, ..., 1).
struct RosenbrockLocal {
  double value;
  std::vector<double> x;
};
const RosenbrockLocal& rosenbrock_local(int n) {
  static const RosenbrockLocal kLocal[4] = {
      {3.701428610430017296508,
       {-0.7756592265653526249, 0.6130933654850434605, 0.3820628463383931485,
        0.1459720185521946149}},
      {3.930839434133028080943,
       {-0.9620510206947501611, 0.9357393959767100112, 0.8807136041943205893, 0.7778776758544063259,
        0.6050936785926528383}},
      {3.973940500930294914726,
       {-0.9865749795709937293, 0.9833982288361817477, 0.9721066700530919112, 0.9474374368264360129,
        0.8986511848517296344, 0.8075739520354175456}},
      {3.983600536424853956251,
       {-0.9917225725614055403, 0.9935553935033712645, 0.9921733215946921156, 0.9868987626903139170,
        0.9751647566088730413, 0.9514319827049926712, 0.9052228177139534734}},
  };
  return kLocal[n - 4];
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Rejects a dimension the landscape cannot have, so that a bad --dim fails
// here with its name rather than as an out-of-range read in a kernel.
void check_dim(const LandscapeInfo& info, int dim) {
  const int min_dim = info.id == LandscapeId::kRosenbrock ? 2 : 1;
  if (info.fixed_dim != 0 && dim != info.fixed_dim) {
    throw std::invalid_argument("landscape '" + std::string(info.name) + "' is " +
                                std::to_string(info.fixed_dim) + "-dimensional, not " +
                                std::to_string(dim) + "-dimensional");
  }
  if (dim < min_dim || dim > kMaxDim) {
    throw std::invalid_argument("landscape '" + std::string(info.name) +
                                "' needs a dimension in [" + std::to_string(min_dim) + ", " +
                                std::to_string(kMaxDim) + "], got " + std::to_string(dim));
  }
}

std::vector<KnownMinimum> styblinski_tang_minima(int dim) {
  std::vector<KnownMinimum> out;
  const long count = dim <= kStMaxLatticeDim ? (1L << dim) : 1;
  for (long mask = 0; mask < count; ++mask) {  // bit i set: coordinate i at the high root
    KnownMinimum m{std::vector<double>(dim, kStRootLow), 0.0, mask == 0};
    int high = 0;
    for (int i = 0; i < dim; ++i) {
      if (mask & (1L << i)) {
        m.x[i] = kStRootHigh;
        ++high;
      }
    }
    // Written per count, not summed per coordinate, so that minima tied in
    // exact arithmetic also tie in double.
    m.value = (dim - high) * kStValueLow + high * kStValueHigh;
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace

const std::vector<LandscapeInfo>& landscape_catalog() {
  static const std::vector<LandscapeInfo> kCatalog = {
      {LandscapeId::kQuarticDimple, "quartic-dimple", 2,
       "0.4 x^4 - 2 x^2 + 0.5 y^2 + 0.1 x y - 0.5 exp(-((x - 1.5)^2 + (y + 0.5)^2))", -2.5, 2.5,
       kSame, kSame, "trilobite teaching landscape: tilted double well with a Gaussian dimple"},
      {LandscapeId::kBowl, "bowl", 0, "sum_i x_i^2", -2.0, 2.0, kSame, kSame,
       "sphere function; Jamil & Yang 2013, Int. J. Math. Model. Numer. Optim. 4(2):150"},
      {LandscapeId::kDoubleWell, "double-well", 2, "x^4 - 4 x^2 + 1 + y^2", -2.5, 2.5, kSame, kSame,
       "symmetric quartic double well (textbook)"},
      {LandscapeId::kHimmelblau, "himmelblau", 2, "(x^2 + y - 11)^2 + (x + y^2 - 7)^2", -5.0, 5.0,
       kSame, kSame, "Himmelblau 1972, Applied Nonlinear Programming; Jamil & Yang 2013"},
      {LandscapeId::kSixHumpCamel, "six-hump-camel", 2,
       "(4 - 2.1 x^2 + x^4 / 3) x^2 + x y + (-4 + 4 y^2) y^2", -3.0, 3.0, -2.0, 2.0,
       "Dixon & Szego 1978, Towards Global Optimisation 2; Molga & Smutnicki 2005"},
      {LandscapeId::kRosenbrock, "rosenbrock", 0,
       "sum_{i=1}^{n-1} [100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2]", -2.0, 2.0, kSame, kSame,
       "Rosenbrock 1960, Comput. J. 3:175; minima: Kok & Sandrock 2009, Evol. Comput. 17:437"},
      {LandscapeId::kRastrigin, "rastrigin", 0, "10 n + sum_i [x_i^2 - 10 cos(2 pi x_i)]", -5.12,
       5.12, kSame, kSame, "Rastrigin 1974; Muhlenbein et al. 1991; Molga & Smutnicki 2005"},
      {LandscapeId::kAckley, "ackley", 0,
       "-20 exp(-0.2 sqrt(sum_i x_i^2 / n)) - exp(sum_i cos(2 pi x_i) / n) + 20 + e", -5.0, 5.0,
       kSame, kSame,
       "Ackley 1987, A Connectionist Machine for Genetic Hillclimbing; Jamil & Yang 2013"},
      {LandscapeId::kStyblinskiTang, "styblinski-tang", 0, "0.5 sum_i (x_i^4 - 16 x_i^2 + 5 x_i)",
       -5.0, 5.0, kSame, kSame, "Styblinski & Tang 1990, Neural Networks 3:467; Jamil & Yang 2013"},
      {LandscapeId::kBeale, "beale", 2,
       "(1.5 - x + x y)^2 + (2.25 - x + x y^2)^2 + (2.625 - x + x y^3)^2", -4.5, 4.5, kSame, kSame,
       "Beale 1958; Jamil & Yang 2013"},
      {LandscapeId::kGoldsteinPrice, "goldstein-price", 2,
       "[1 + (x + y + 1)^2 (19 - 14 x + 3 x^2 - 14 y + 6 x y + 3 y^2)] * "
       "[30 + (2 x - 3 y)^2 (18 - 32 x + 12 x^2 + 48 y - 36 x y + 27 y^2)]",
       -2.0, 2.0, kSame, kSame, "Goldstein & Price 1971, Math. Comp. 25:569; Jamil & Yang 2013"},
  };
  return kCatalog;
}

const LandscapeInfo& landscape_info(const std::string& name) {
  const auto& catalog = landscape_catalog();
  for (const auto& info : catalog) {
    if (name == info.name) return info;
  }
  // Case-insensitive distance, so 'Rosenbrock' points at 'rosenbrock'.
  const std::string key = lower(name);
  const LandscapeInfo* best = &catalog.front();
  std::size_t best_distance = std::numeric_limits<std::size_t>::max();
  for (const auto& info : catalog) {
    std::size_t d = edit_distance(key, info.name);
    if (d < best_distance) {
      best_distance = d;
      best = &info;
    }
  }
  throw std::invalid_argument("unknown landscape '" + name + "' (did you mean '" + best->name +
                              "'?)");
}

const LandscapeInfo& landscape_info(LandscapeId id) {
  for (const auto& info : landscape_catalog()) {
    if (info.id == id) return info;
  }
  throw std::invalid_argument("unknown landscape id " + std::to_string(static_cast<int>(id)));
}

std::vector<std::pair<double, double>> default_box(LandscapeId id, int dim) {
  const LandscapeInfo& info = landscape_info(id);
  check_dim(info, dim);
  std::vector<std::pair<double, double>> box(dim, {info.box_lo, info.box_hi});
  if (dim >= 2 && !std::isnan(info.box_lo_y)) box[1] = {info.box_lo_y, info.box_hi_y};
  return box;
}

std::vector<KnownMinimum> known_minima(LandscapeId id, int dim) {
  check_dim(landscape_info(id), dim);
  // Listed lowest value first; ties are all global.
  switch (id) {
    case LandscapeId::kExpr:
      return {};  // not a built-in: landscape_info() above has already refused it
    case LandscapeId::kQuarticDimple:
      return {
          {{1.576020248344110017593, -0.3257062967285068774036}, -2.980429463944672097908, true},
          {{-1.583095069106281291368, 0.1582777351638297396343}, -2.512539755533838382741, false}};
    case LandscapeId::kBowl:
      return {{std::vector<double>(dim, 0.0), 0.0, true}};
    case LandscapeId::kDoubleWell:
      return {{{-1.414213562373095048802, 0.0}, -3.0, true},
              {{1.414213562373095048802, 0.0}, -3.0, true}};
    case LandscapeId::kHimmelblau:
      // Himmelblau 1972; the three irrational ones are roots of the gradient
      // polynomials, polished as described at the top of this file.
      return {{{3.0, 2.0}, 0.0, true},
              {{-2.805118086952744853054, 3.131312518250572965804}, 0.0, true},
              {{-3.779310253377746891891, -3.283185991286169412266}, 0.0, true},
              {{3.584428340330491744944, -1.848126526964403553538}, 0.0, true}};
    case LandscapeId::kSixHumpCamel:
      // Dixon & Szego 1978 / Molga & Smutnicki 2005: two global minima near
      // (+-0.0898, -+0.7126) and two symmetric pairs of local ones.
      return {
          {{0.08984201310031806242249, -0.7126564030207396333973}, -1.031628453489877350416, true},
          {{-0.08984201310031806242249, 0.7126564030207396333973}, -1.031628453489877350416, true},
          {{-1.703606714969980848771, 0.7960835686726251190257}, -0.2154638243837176375778, false},
          {{1.703606714969980848771, -0.7960835686726251190257}, -0.2154638243837176375778, false},
          {{-1.607104752920197229762, -0.5686514548841313713934}, 2.104250310311258274609, false},
          {{1.607104752920197229762, 0.5686514548841313713934}, 2.104250310311258274609, false}};
    case LandscapeId::kRosenbrock: {
      std::vector<KnownMinimum> out = {{std::vector<double>(dim, 1.0), 0.0, true}};
      if (dim >= 4 && dim <= 7) {
        const auto& local = rosenbrock_local(dim);
        out.push_back({local.x, local.value, false});
      }
      return out;
    }
    case LandscapeId::kRastrigin:
      // Only the global one: the local minima near every integer lattice
      // point (11^n of them in the box) are not listed.
      return {{std::vector<double>(dim, 0.0), 0.0, true}};
    case LandscapeId::kAckley:
      // A cusp, not a smooth minimum: the Hessian is undefined there.
      return {{std::vector<double>(dim, 0.0), 0.0, true}};
    case LandscapeId::kStyblinskiTang: {
      auto out = styblinski_tang_minima(dim);
      std::stable_sort(out.begin(), out.end(), [](const KnownMinimum& a, const KnownMinimum& b) {
        return a.value < b.value;
      });
      return out;
    }
    case LandscapeId::kBeale:
      // The only minimum in the box; the other critical points there are the
      // saddles (0, 1) and (0.10054, -2.64451).
      return {{{3.0, 0.5}, 0.0, true}};
    case LandscapeId::kGoldsteinPrice:
      // Global (0, -1) = 3 and the three local minima quoted in the
      // test-function literature; Newton at 60 digits lands on these exact
      // decimals, and resultants show there are no others in the box.
      return {{{0.0, -1.0}, 3.0, true},
              {{-0.6, -0.4}, 30.0, false},
              {{1.8, 0.2}, 84.0, false},
              {{1.2, 0.8}, 840.0, false}};
  }
  return {};  // unreachable: landscape_info(id) has already rejected bad ids
}

}  // namespace trilo
