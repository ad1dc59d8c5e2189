// `trilobite render`: a result file as a PNG picture (docs/render.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "io/result_reader.hpp"

namespace trilo::render {

// What the picture needs of /critical: stationary points of every kind.
struct CriticalData {
  int dim = 0;
  std::vector<double> position;       // m x dim
  std::vector<double> loss;           // m
  std::vector<std::int8_t> kind;      // analysis::PointKind codes: 0 min, 1 saddle, 2 degenerate, 3 max
  std::vector<std::int32_t> morse_index;
  std::size_t size() const { return loss.size(); }
};

// What the sweep plot needs of /sweep: basin fractions against one swept
// optimizer setting, or over a map of two (value2 not empty; rows of
// `fraction` are then settings, value2 inner).
struct SweepData {
  std::string parameter;  // e.g. "lr"
  std::string spacing;    // "linear" or "log"
  std::vector<double> value;                                  // n_values
  std::vector<double> fraction;                               // n_values x m
  std::int64_t n_minima = 0;                                  // m
  std::vector<double> fraction_diverged, fraction_max_steps;  // n_values
  std::vector<double> fraction_bounced;  // n_values, of max steps; empty in older files
  bool after_quench = false;  // `fraction` is where noisy starts settled (quenched_fraction)
  std::string parameter2, spacing2;  // a 2-D sweep's second setting
  std::vector<double> value2;
};


struct RenderOptions {
  std::string input;
  std::string output = "trilobite.png";
  bool force = false;  // replace a file at `output`, also one that appears while drawing
  int width = 0, height = 0;    // 0: a default for the layout
  std::string size;             // "WxH": both at once (overrides width, height)
  std::string panel = "auto";   // auto | loss | basins | both | sweep
  std::string scale = "auto";   // auto | linear | log: the loss colour scale
  bool contours = true;
  int contour_levels = 12;
  std::string title;            // empty: landscape and optimizer
  std::string font;             // empty: $TRILOBITE_FONT or DejaVu Sans
};

// Everything a picture may show, read once from the file.
struct Scene {
  io::ResultData result;
  std::optional<CriticalData> critical;
  std::optional<SweepData> sweep;
};

// Reads opt.input, draws, writes opt.output. Bad options, an unreadable or
// foreign input, an output path that cannot be written or that names the
// input: config::BadInput, and no file is left behind. Returns a one-line
// description of what was drawn.
std::string render_file(const RenderOptions& opt);

}  // namespace trilo::render
