#include "analysis/known_minima.hpp"

#include <cmath>
#include <cstdio>
#include <limits>

namespace trilo::analysis {

KnownMatch match_known_minima(const MinimaTable& t, const std::vector<KnownMinimum>& known,
                              const std::vector<double>& box_lo, const std::vector<double>& box_hi,
                              double tol) {
  KnownMatch m;
  const int d = t.dim;
  for (const KnownMinimum& k : known) {
    bool inside = static_cast<int>(k.x.size()) == d;
    for (int i = 0; inside && i < d; ++i) inside = k.x[i] >= box_lo[i] && k.x[i] <= box_hi[i];
    std::int64_t best = -1;
    double best_d = std::numeric_limits<double>::infinity();
    for (std::int64_t r = 0; static_cast<int>(k.x.size()) == d && r < t.n_minima; ++r) {
      if (t.kind[r] != static_cast<std::int8_t>(PointKind::kMinimum)) continue;
      double s = 0;
      for (int i = 0; i < d; ++i) {
        const double e = t.position[r * d + i] - k.x[i];
        s += e * e;
      }
      if (std::sqrt(s) < best_d) {
        best_d = std::sqrt(s);
        best = r;
      }
    }
    const bool found = best >= 0 && best_d <= tol;
    m.row.push_back(found ? best : -1);
    m.distance.push_back(found ? best_d : std::numeric_limits<double>::quiet_NaN());
    m.in_box.push_back(inside ? 1 : 0);
  }
  return m;
}

std::string format_known_minima(const std::vector<KnownMinimum>& known, const KnownMatch& m) {
  if (known.empty() || m.row.size() != known.size()) return "";
  std::size_t found = 0;
  for (std::int64_t r : m.row) found += r >= 0;
  std::string out = "known minima: " + std::to_string(found) + " of " + std::to_string(known.size()) +
                    " found\n";
  for (std::size_t k = 0; k < known.size(); ++k) {
    if (m.row[k] >= 0) continue;
    std::string p = "(";
    for (std::size_t i = 0; i < known[k].x.size(); ++i) {
      char buf[40];
      std::snprintf(buf, sizeof buf, "%s%.6g", i ? ", " : "", known[k].x[i]);
      p += buf;
    }
    out += "  not found: " + p + ")" + (m.in_box[k] ? "" : " (outside the box)") + "\n";
  }
  return out;
}

}  // namespace trilo::analysis
