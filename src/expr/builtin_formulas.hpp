// The built-in landscapes written as formulas, transcribed by hand from their
// definitions (docs/landscapes.md, src/core/landscapes.hpp). The tests check
// that each gives its built-in's values, minima and basin labels on every
// backend; `trilobite bench --formula` times each against its built-in.
#pragma once

#include "core/catalog.hpp"

namespace trilo::expr {

// The formula for a built-in landscape (any dimension, using n and sum()
// where the built-in does); nullptr for kExpr.
const char* builtin_as_formula(LandscapeId id);

}  // namespace trilo::expr
