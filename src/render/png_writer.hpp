// Writes a canvas as an 8-bit RGB PNG with libpng, under a temporary name
// renamed onto the target, so a failure never leaves a partial picture.
#pragma once

#include <string>

#include "render/canvas.hpp"

namespace trilo::render {

// Throws config::BadInput (one line) when the target's directory cannot take
// the file, std::runtime_error when libpng or the disk fails later.
// `text` is stored as a PNG tEXt "Software"/"Comment" chunk pair.
void write_png(const Canvas& c, const std::string& path, const std::string& comment = "");

}  // namespace trilo::render
