// The parameter server's per-step float32 loops (the rank-order mean of the pushes, SGD's momentum update) in C.
// Each one performs, element by element, exactly the arithmetic of core's JavaScript loops (numeric/step-loops.ts):
// the JS code computes in double and rounds to float32 where it calls Math.fround or stores into a Float32Array, so
// these do the same conversions in the same places (no FMA contraction: -std=c++17 implies -ffp-contract=off) and
// produce the same bits, only without V8's per-element overhead.
#include "kernels.h"

namespace tfnative {

__attribute__((target_clones("avx2", "default")))
void addInto(float* sum, const float* t, int64_t n) {
  for (int64_t i = 0; i < n; i++) sum[i] = sum[i] + t[i];
}

__attribute__((target_clones("avx2", "default")))
void addDivideInto(float* sum, const float* t, int64_t n, double divisor) {
  for (int64_t i = 0; i < n; i++) sum[i] = static_cast<float>(static_cast<double>(sum[i] + t[i]) / divisor);
}

__attribute__((target_clones("avx2", "default")))
void sgdMomentum(float* param, const float* grad, float* buf, int64_t n, double mu, double keep, double wd, double negLr) {
  if (wd != 0) {
    for (int64_t i = 0; i < n; i++) {
      const double p = param[i];
      const float decayed = static_cast<float>(static_cast<double>(grad[i]) + wd * p);
      const float b = static_cast<float>(static_cast<double>(static_cast<float>(buf[i] * mu)) + keep * decayed);
      buf[i] = b;
      param[i] = static_cast<float>(p + negLr * b);
    }
  } else {
    for (int64_t i = 0; i < n; i++) {
      const float b = static_cast<float>(static_cast<double>(static_cast<float>(buf[i] * mu)) + keep * grad[i]);
      buf[i] = b;
      param[i] = static_cast<float>(param[i] + negLr * b);
    }
  }
}

// A float32 is NaN or ±Infinity exactly when its exponent bits are all ones. Integer tests vectorize (a float sum
// of x − x, the JS scan's trick, would not without -ffast-math); the index is searched only once one is seen.
__attribute__((target_clones("avx2", "default")))
int64_t findNonFinite(const float* values, int64_t n) {
  const uint32_t* bits = reinterpret_cast<const uint32_t*>(values);
  constexpr uint32_t kExponent = 0x7f800000u;
  constexpr int64_t kBlock = 4096;  // checked block by block: a bad value early is found without scanning the rest
  for (int64_t start = 0; start < n; start += kBlock) {
    const int64_t end = start + kBlock < n ? start + kBlock : n;
    uint32_t any = 0;
    for (int64_t i = start; i < end; i++) any |= static_cast<uint32_t>((bits[i] & kExponent) == kExponent);
    if (any) {
      for (int64_t i = start; i < end; i++) if ((bits[i] & kExponent) == kExponent) return i;
    }
  }
  return -1;
}

}  // namespace tfnative
