// `trilobite render` of a plane or line through a network's weight space
// (a file with /plane; docs/render.md).
#pragma once

#include <string>

#include "render/render.hpp"

namespace trilo::render {

// Draws the plane's loss and accuracy maps (or the line's loss and its
// barrier) into opt.output; returns the one-line description. Bad options
// or an unreadable file: config::BadInput.
std::string render_plane(const RenderOptions& opt);

// Draws a basin map of a network's initialisations (`basins --model`):
// which minimum each start reached, and the final test (or training)
// accuracy beside it.
std::string render_start_basins(const RenderOptions& opt);

// Draws the Hessian eigenvalue density of a network file's minima
// (`descend --model ... --density N`): one curve per examined minimum, on
// a log scale as PyHessian draws it. Returns the description, or an empty
// string when the file holds no density.
std::string render_density(const RenderOptions& opt);

}  // namespace trilo::render
