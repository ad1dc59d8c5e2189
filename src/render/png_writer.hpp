// Writes a canvas as an 8-bit RGB PNG with libpng, under a temporary name
// renamed onto the target, so a failure never leaves a partial picture.
#pragma once

#include <string>

#include "render/canvas.hpp"

namespace trilo::render {

// Throws config::BadInput (one line) when the target's directory cannot take
// the file, std::runtime_error when libpng or the disk fails later.
// `text` is stored as a PNG tEXt "Software"/"Comment" chunk pair.
// Without `replace`, a file at `path` when the picture is done is left alone
// (std::runtime_error naming it; the picture is removed).
void write_png(const Canvas& c, const std::string& path, bool replace,
               const std::string& comment = "");

}  // namespace trilo::render
