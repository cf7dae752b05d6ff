// Matrix products on OpenBLAS's cblas_sgemm, and the bias/activation epilogue the fused kernels share.
#include <cblas.h>

#include <algorithm>
#include <cmath>

#include "kernels.h"

namespace tfnative {

void epilogue(float* y, int64_t rows, int cols, const float* bias, int biasLen, Activation act, float alpha) {
  if (bias == nullptr && act == kLinear) return;
  for (int64_t r = 0; r < rows; r++) {
    float* row = y + r * cols;
    if (bias != nullptr) {
      if (biasLen == 1) {
        for (int j = 0; j < cols; j++) row[j] += bias[0];
      } else {
        for (int j = 0; j < cols; j++) row[j] += bias[j];
      }
    }
    switch (act) {
      case kLinear: break;
      case kRelu: for (int j = 0; j < cols; j++) row[j] = row[j] > 0.f ? row[j] : 0.f; break;
      case kRelu6: for (int j = 0; j < cols; j++) row[j] = std::min(6.f, std::max(0.f, row[j])); break;
      case kLeakyRelu: for (int j = 0; j < cols; j++) row[j] = row[j] < 0.f ? alpha * row[j] : row[j]; break;
      case kElu: for (int j = 0; j < cols; j++) row[j] = row[j] < 0.f ? std::expm1(row[j]) : row[j]; break;
      case kSigmoid: for (int j = 0; j < cols; j++) row[j] = 1.f / (1.f + std::exp(-row[j])); break;
    }
  }
}

void batchMatMul(const float* a, const float* b, float* c, int batch, int batchA, int batchB, int m, int n, int k,
                 bool transA, bool transB, const float* bias, int biasLen, Activation act, float alpha) {
  const int lda = transA ? m : k;
  const int ldb = transB ? k : n;
  for (int i = 0; i < batch; i++) {
    const float* ai = a + static_cast<int64_t>(i % batchA) * m * k;
    const float* bi = b + static_cast<int64_t>(i % batchB) * k * n;
    float* ci = c + static_cast<int64_t>(i) * m * n;
    if (k == 0) {
      std::fill(ci, ci + static_cast<int64_t>(m) * n, 0.f);
    } else {
      cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n, k, 1.f,
                  ai, lda, bi, ldb, 0.f, ci, n);
    }
  }
  epilogue(c, static_cast<int64_t>(batch) * m, n, bias, biasLen, act, alpha);
}

}  // namespace tfnative
