// The two products of a wide dense layer that dominate a training step,
// written as register-blocked AVX-512 kernels for the shapes of mini-batch
// training (a few dozen to a few hundred rows, layers a few dozen units
// wide): the forward product z = x W^T + b and the weight gradient
// gW = d^T x. Eigen's general GEMM packs both operands into blocks on every
// call, which for such thin products costs as much as the arithmetic
// (bench/RESULTS.md); these kernels read the operands where they lie.
//
// Each sum is taken in an order fixed by the shapes alone (never by where
// the operands lie in memory), so results repeat bit for bit across threads
// and allocations. The functions return false, and do nothing, where the
// build has no AVX-512: the caller then takes its general path.
#pragma once

#include <cstdint>

namespace trilo::nn {

// True where the kernels below are compiled in (this file's build targets
// AVX-512F).
bool dense_kernels_available();

// z (rows x out, row-major) = x (rows x in, row-major) times W^T (W: out x
// in, row-major, PyTorch's nn.Linear order) plus the bias b (out entries)
// on every row. Each z(i, j) is b(j) plus the dot product of x's row i and
// W's row j: summed over the vector lanes and then across them, or for
// layers of at most a vector of inputs and half a vector of outputs or more,
// over k in order.
template <class T>
bool dense_forward(const T* x, std::int64_t rows, int in, const T* W, const T* b, int out, T* z);

// back (rows x in, row-major) = d W: d is rows x out, W out x in
// (row-major); each back(i, k) is the sum over j, in order, of d(i, j)
// W(j, k). The gradient handed down to the layer below.
template <class T>
bool dense_backward(const T* d, std::int64_t rows, int out, const T* W, int in, T* back);

// out (cols entries) = the sums of d's columns (d: rows x cols, row-major),
// each over the rows in order, starting from out's values with `accumulate`
// and from zero without: a layer's bias gradient. The sums are kept in
// registers, not added into out row by row.
template <class T>
bool dense_column_sums(const T* d, std::int64_t rows, int cols, T* out, bool accumulate);

// gW (out x in, row-major) = d^T x: d is rows x out (dC/dz of the layer),
// x is rows x in; each gW(j, k) is the sum over the rows i, in order, of
// d(i, j) x(i, k). With `accumulate`, the sums start from gW's values
// (gW += d^T x) instead of zero. With gb, the bias gradient too: gb = the
// column sums of d as dense_column_sums takes them (the same bits), summed
// alongside the products where the layer's outputs fit a vector.
template <class T>
bool dense_weight_grad(const T* d, const T* x, std::int64_t rows, int in, int out, T* gW,
                       bool accumulate = false, T* gb = nullptr);

}  // namespace trilo::nn
