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

}  // namespace trilo::render
