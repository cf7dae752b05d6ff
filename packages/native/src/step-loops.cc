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

}  // namespace tfnative
