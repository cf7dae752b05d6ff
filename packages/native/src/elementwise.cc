// Elementwise arithmetic with broadcasting, and sums over leading axes: the small ops a training step is mostly
// made of (BatchNorm's per-channel statistics and scaling, dropout masks, bias gradients, the optimizer update).
// One pass over the wasm heap each, where wasm's own kernels tile the broadcast operand first or transpose before
// reducing.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels.h"

namespace tfnative {
namespace {

/**
 * tfjs's step: 1 above 0, 0 at or below it, NaN for NaN. In integer selects on the bits: a float ternary chain with a
 * NaN case compiles to branches (the compiler may not speculate float compares), which mispredict on activations'
 * random signs and ran 35× slower than a multiply.
 */
inline float stepOf(float b) {
  uint32_t bits;
  std::memcpy(&bits, &b, sizeof bits);
  const uint32_t magnitude = bits & 0x7fffffffu;
  const uint32_t isNan = static_cast<uint32_t>(magnitude > 0x7f800000u);
  const uint32_t positive = static_cast<uint32_t>((bits >> 31) == 0 && magnitude != 0) & (isNan ^ 1u);
  const uint32_t out = ((0u - positive) & 0x3f800000u) | ((0u - isNan) & bits);
  float s;
  std::memcpy(&s, &out, sizeof s);
  return s;
}

template <BinaryOp Op>
inline auto apply(float a, float b) {
  if constexpr (Op == kAdd) return a + b;
  if constexpr (Op == kSub) return a - b;
  if constexpr (Op == kMul) return a * b;
  if constexpr (Op == kDiv) return a / b;
  // Comparisons give tfjs's bool (one byte, 0 or 1); NaN compares false, as in JS.
  if constexpr (Op == kGreater) return static_cast<uint8_t>(a > b);
  if constexpr (Op == kGreaterEqual) return static_cast<uint8_t>(a >= b);
  if constexpr (Op == kLess) return static_cast<uint8_t>(a < b);
  if constexpr (Op == kLessEqual) return static_cast<uint8_t>(a <= b);
  if constexpr (Op == kMulStep) return a * stepOf(b);
}

template <BinaryOp Op>
using Out = decltype(apply<Op>(0.f, 0.f));

/** out[0..n) = a ∘ b, each operand either contiguous (step 1) or one repeated value (step 0). */
template <BinaryOp Op>
void run(const float* a, bool aStep, const float* b, bool bStep, Out<Op>* out, int64_t n) {
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

/**
 * Where output element i reads an operand: at (i / repeat) % length. It walks the output in order and advances
 * without divisions (one per element would cost more than the arithmetic).
 */
struct Cursor {
  const float* base;
  int64_t repeat, length;
  int64_t at = 0, within = 0;  // at = (i / repeat) % length, within = i % repeat (repeat > 1)
  bool contiguous() const { return repeat == 1 && length > 1; }
  /** Elements from here on that keep this operand's access pattern (contiguous, or one value). */
  int64_t run() const {
    if (length == 1) return std::numeric_limits<int64_t>::max();
    return repeat == 1 ? length - at : repeat - within;
  }
  /** Moves by len ≤ run() elements. */
  void advance(int64_t len) {
    if (length == 1) return;
    if (repeat == 1) {
      at += len;
    } else if ((within += len) == repeat) {
      within = 0;
      at++;
    }
    if (at == length) at = 0;
  }
};

/** The per-channel case (a full, b a vector repeated along it, or the reverse): rows of plain vector loops. */
template <BinaryOp Op, bool VectorFirst>
void rows(const float* full, const float* vector, int64_t length, Out<Op>* out, int64_t n) {
  for (int64_t r = 0; r < n; r += length) {
    const float* f = full + r;
    Out<Op>* o = out + r;
    for (int64_t j = 0; j < length; j++) o[j] = VectorFirst ? apply<Op>(vector[j], f[j]) : apply<Op>(f[j], vector[j]);
  }
}

template <BinaryOp Op>
void broadcast(Cursor a, Cursor b, void* output, int64_t n) {
  Out<Op>* out = static_cast<Out<Op>*>(output);
  const auto isFull = [n](const Cursor& c) { return c.repeat == 1 && c.length == n; };
  const auto isVector = [n](const Cursor& c) { return c.repeat == 1 && c.length > 1 && c.length < n && n % c.length == 0; };
  if (isFull(a) && isVector(b)) return rows<Op, false>(a.base, b.base, b.length, out, n);
  if (isVector(a) && isFull(b)) return rows<Op, true>(b.base, a.base, a.length, out, n);
  for (int64_t i = 0; i < n;) {
    const int64_t len = std::min({a.run(), b.run(), n - i});
    run<Op>(a.base + a.at, a.contiguous(), b.base + b.at, b.contiguous(), out + i, len);
    a.advance(len);
    b.advance(len);
    i += len;
  }
}

}  // namespace

void binary(BinaryOp op, const float* a, int64_t aRepeat, int64_t aLength, const float* b, int64_t bRepeat,
            int64_t bLength, void* out, int64_t n) {
  const Cursor ca{a, aRepeat, aLength}, cb{b, bRepeat, bLength};
  switch (op) {
    case kAdd: return broadcast<kAdd>(ca, cb, out, n);
    case kSub: return broadcast<kSub>(ca, cb, out, n);
    case kMul: return broadcast<kMul>(ca, cb, out, n);
    case kDiv: return broadcast<kDiv>(ca, cb, out, n);
    case kGreater: return broadcast<kGreater>(ca, cb, out, n);
    case kGreaterEqual: return broadcast<kGreaterEqual>(ca, cb, out, n);
    case kLess: return broadcast<kLess>(ca, cb, out, n);
    case kLessEqual: return broadcast<kLessEqual>(ca, cb, out, n);
    case kMulStep: return broadcast<kMulStep>(ca, cb, out, n);
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
