// Elementwise arithmetic with broadcasting, and sums over leading axes: the small ops a training step is mostly
// made of (BatchNorm's per-channel statistics and scaling, dropout masks, bias gradients, the optimizer update).
// One pass over the wasm heap each, where wasm's own kernels tile the broadcast operand first or transpose before
// reducing.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "kernels.h"

namespace tfnative {
namespace {

template <BinaryOp Op>
inline float apply(float a, float b) {
  if constexpr (Op == kAdd) return a + b;
  if constexpr (Op == kSub) return a - b;
  if constexpr (Op == kMul) return a * b;
  return a / b;  // kDiv
}

/** out[0..n) = a ∘ b, each operand either contiguous (step 1) or one repeated value (step 0). */
template <BinaryOp Op>
void run(const float* a, bool aStep, const float* b, bool bStep, float* out, int64_t n) {
  if (aStep && bStep) {
    for (int64_t i = 0; i < n; i++) out[i] = apply<Op>(a[i], b[i]);
  } else if (aStep) {
    const float bv = b[0];
    for (int64_t i = 0; i < n; i++) out[i] = apply<Op>(a[i], bv);
  } else if (bStep) {
    const float av = a[0];
    for (int64_t i = 0; i < n; i++) out[i] = apply<Op>(av, b[i]);
  } else {
    std::fill(out, out + n, apply<Op>(a[0], b[0]));
  }
}

/** Where output element i reads an operand: at (i / repeat) % length. */
struct Cursor {
  const float* base;
  int64_t repeat, length;
  int64_t index(int64_t i) const { return (i / repeat) % length; }
  /** Elements from i on that keep this operand's access pattern (contiguous, or one value). */
  int64_t run(int64_t i) const {
    if (length == 1) return std::numeric_limits<int64_t>::max();
    return repeat == 1 ? length - i % length : repeat - i % repeat;
  }
};

template <BinaryOp Op>
void broadcast(const Cursor& a, const Cursor& b, float* out, int64_t n) {
  for (int64_t i = 0; i < n;) {
    const int64_t len = std::min({a.run(i), b.run(i), n - i});
    run<Op>(a.base + a.index(i), a.repeat == 1 && a.length > 1, b.base + b.index(i), b.repeat == 1 && b.length > 1, out + i, len);
    i += len;
  }
}

}  // namespace

void binary(BinaryOp op, const float* a, int64_t aRepeat, int64_t aLength, const float* b, int64_t bRepeat,
            int64_t bLength, float* out, int64_t n) {
  const Cursor ca{a, aRepeat, aLength}, cb{b, bRepeat, bLength};
  switch (op) {
    case kAdd: return broadcast<kAdd>(ca, cb, out, n);
    case kSub: return broadcast<kSub>(ca, cb, out, n);
    case kMul: return broadcast<kMul>(ca, cb, out, n);
    case kDiv: return broadcast<kDiv>(ca, cb, out, n);
  }
}

// Both accumulate in double: the result is at least as close to the exact sum as tfjs's float32 loops.
void sumRows(const float* x, int64_t rows, int64_t cols, double scale, float* out) {
  std::vector<double> acc(static_cast<size_t>(cols), 0.0);
  for (int64_t r = 0; r < rows; r++) {
    const float* row = x + r * cols;
    for (int64_t j = 0; j < cols; j++) acc[j] += row[j];
  }
  for (int64_t j = 0; j < cols; j++) out[j] = static_cast<float>(acc[j] * scale);
}

void sumColumns(const float* x, int64_t rows, int64_t cols, double scale, float* out) {
  for (int64_t r = 0; r < rows; r++) {
    const float* row = x + r * cols;
    double acc = 0.0;
    for (int64_t j = 0; j < cols; j++) acc += row[j];
    out[r] = static_cast<float>(acc * scale);
  }
}

}  // namespace tfnative
