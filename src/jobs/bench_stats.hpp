// Small helpers the bench tables share: the median of the timed runs and
// numbers with SI prefixes.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace trilo::jobs {

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// "1.23M": three significant digits and a prefix up to T.
inline std::string si(double v) {
  const char* units[] = {"", "k", "M", "G", "T"};
  int k = 0;
  while (std::abs(v) >= 1000 && k < 4) {
    v /= 1000;
    ++k;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g%s", v, units[k]);
  return buf;
}

}  // namespace trilo::jobs
