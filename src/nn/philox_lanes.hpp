// Many Philox4x32-10 draws of consecutive blocks at once.
//
// A mini-batch order takes one draw a row an epoch (Fisher-Yates, block =
// the row), which for a small network was a noticeable share of its
// training step. The draws differ only in the counter's block, so sixteen
// of them run in the lanes of AVX-512 integer registers, each lane doing
// Random123's rounds exactly: the words are those Philox::words gives.
#pragma once

#include <cstdint>

#include "core/rng.hpp"

namespace trilo::nn {

// bits[k] = (w[0] << 32) | w[1] of rng.words(index, stream, step, first + k),
// for k < n. first + n must not pass 2^24 (the counter keeps the block in
// 24 bits beside the stream).
void philox_block_bits(const Philox& rng, std::uint64_t index, RngStream stream, std::uint32_t step,
                       std::uint32_t first, std::int64_t n, std::uint64_t* bits);

}  // namespace trilo::nn
