// C = op(A) op(B) + beta C for each of `batch` column-major matrices, from
// the definition (cuBLAS's conventions: op(A) is m x k, op(B) k x n, A, B
// and C advanced by their strides), summed in T in the order of k. beta 0
// writes C without reading it, as cuBLAS does.
#pragma once

#include "nn/ensemble_plan.hpp"

namespace trilo::test {

template <class T, class Beta>
void batched_gemm(const nn::GemmShape& s, const T* A, const T* B, T* C, Beta beta_given, int batch) {
  const T beta = static_cast<T>(beta_given);
  for (int i = 0; i < batch; ++i) {
    const T* a = A + i * s.stride_a;
    const T* b = B + i * s.stride_b;
    T* c = C + i * s.stride_c;
    for (int j = 0; j < s.n; ++j)
      for (int r = 0; r < s.m; ++r) {
        T acc = 0;
        for (int p = 0; p < s.k; ++p) {
          const T arp = s.trans_a ? a[p + r * s.lda] : a[r + p * s.lda];
          const T bpj = s.trans_b ? b[j + p * s.ldb] : b[p + j * s.ldb];
          acc += arp * bpj;
        }
        T& cij = c[r + j * s.ldc];
        cij = beta == 0 ? acc : acc + beta * cij;
      }
  }
}

}  // namespace trilo::test
