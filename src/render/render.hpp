// `trilobite render`: a result file as a PNG picture (docs/render.md).
#pragma once

#include <optional>
#include <string>

#include "io/extra_groups.hpp"
#include "io/result_reader.hpp"

namespace trilo::render {

struct RenderOptions {
  std::string input;
  std::string output = "trilobite.png";
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
  std::optional<io::CriticalData> critical;
  std::optional<io::SweepData> sweep;
};

// Reads opt.input, draws, writes opt.output. Bad options, an unreadable or
// foreign input, an output path that cannot be written or that names the
// input: config::BadInput, and no file is left behind. Returns a one-line
// description of what was drawn.
std::string render_file(const RenderOptions& opt);

}  // namespace trilo::render
