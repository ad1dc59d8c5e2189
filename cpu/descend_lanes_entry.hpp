// Entry to the lanes path (W descents per instruction) of the CPU backend.
#pragma once

#include <cstdint>

#include "core/catalog.hpp"
#include "core/descent.hpp"
#include "core/sampling.hpp"
#include "core/work.hpp"

namespace trilo::cpu {

// Runs descents [first, first + count) W at a time on `threads` threads and
// returns true, or returns false without doing anything when the lanes do
// not serve this landscape (Ackley, formulas): the caller then runs the
// scalar path.
bool descend_lanes(const LandscapeSpec& spec, bool f32, const DescentParams& p,
                   const StartSpec& s, std::int64_t first, std::int64_t count,
                   const DescentColumns& out, int threads);

// The instruction set the lanes path runs in on this machine.
const char* lanes_isa_name();

}  // namespace trilo::cpu
