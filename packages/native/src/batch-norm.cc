// BatchNorm's training passes over an [rows, C] activation (channels last), fused: the per-channel statistics, the
// normalization, and the backward pass's sums and input gradient each in one sweep. Composed from elementwise ops and
// row sums, the same layer made seven passes over the activation forward and seven backward, the largest cost of a
// small BN convnet step after the convolutions. Arithmetic on each element is the composed version's, in the same
// order and in float (x̂ = (x − μ)·invStd, y = x·α + shift, dx = (dy − (x̂·m₂ + m₁))·α); the sums are blockwise float,
// then double.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels.h"

namespace tfnative {

namespace {

// Sums run in float over blocks of kBlock rows (the compiler vectorizes the channel loop), then in double across
// blocks: accurate to about kBlock float roundings, where per-element double accumulation would not vectorize.
constexpr int64_t kBlock = 128;

/** acc[c] += Σ over rows of term(r, c), blockwise. */
template <typename Term>
void blockSums(int64_t rows, int64_t channels, std::vector<double>& acc, Term term) {
  std::vector<float> partial(static_cast<size_t>(channels));
  for (int64_t r0 = 0; r0 < rows; r0 += kBlock) {
    std::fill(partial.begin(), partial.end(), 0.f);
    const int64_t r1 = std::min(rows, r0 + kBlock);
    for (int64_t r = r0; r < r1; r++) {
      for (int64_t c = 0; c < channels; c++) partial[c] += term(r, c);
    }
    for (int64_t c = 0; c < channels; c++) acc[c] += partial[c];
  }
}

}  // namespace

void channelMoments(const float* x, int64_t rows, int64_t channels, float* mean, float* variance) {
  std::vector<double> sum(static_cast<size_t>(channels), 0.0), squares(static_cast<size_t>(channels), 0.0);
  blockSums(rows, channels, sum, [&](int64_t r, int64_t c) { return x[r * channels + c]; });
  for (int64_t c = 0; c < channels; c++) mean[c] = static_cast<float>(sum[c] / static_cast<double>(rows));
  // Two passes (deviations from the mean), not Σx² − n·μ²: no cancellation when |μ| ≫ σ.
  blockSums(rows, channels, squares, [&](int64_t r, int64_t c) {
    const float d = x[r * channels + c] - mean[c];
    return d * d;
  });
  for (int64_t c = 0; c < channels; c++) variance[c] = static_cast<float>(squares[c] / static_cast<double>(rows));
}

void channelAffine(const float* x, int64_t rows, int64_t channels, const float* alpha, const float* shift, float* y) {
  for (int64_t r = 0; r < rows; r++) {
    const float* in = x + r * channels;
    float* out = y + r * channels;
    for (int64_t c = 0; c < channels; c++) {
      const float scaled = in[c] * alpha[c];  // two roundings, as the composed multiply then add
      out[c] = scaled + shift[c];
    }
  }
}

void batchNormGradSums(const float* dy, const float* x, int64_t rows, int64_t channels, const float* mean,
                       const float* invStd, float* sumDy, float* sumDyXhat) {
  std::vector<double> s1(static_cast<size_t>(channels), 0.0), s2(static_cast<size_t>(channels), 0.0);
  blockSums(rows, channels, s1, [&](int64_t r, int64_t c) { return dy[r * channels + c]; });
  blockSums(rows, channels, s2, [&](int64_t r, int64_t c) {
    const float centered = x[r * channels + c] - mean[c];
    const float xHat = centered * invStd[c];
    return dy[r * channels + c] * xHat;
  });
  for (int64_t c = 0; c < channels; c++) {
    sumDy[c] = static_cast<float>(s1[c]);
    sumDyXhat[c] = static_cast<float>(s2[c]);
  }
}

void batchNormGradInput(const float* dy, const float* x, int64_t rows, int64_t channels, const float* mean,
                        const float* invStd, const float* alpha, const float* meanDy, const float* meanDyXhat,
                        float* dx) {
  for (int64_t r = 0; r < rows; r++) {
    const float* g = dy + r * channels;
    const float* in = x + r * channels;
    float* out = dx + r * channels;
    for (int64_t c = 0; c < channels; c++) {
      const float centered = in[c] - mean[c];
      const float xHat = centered * invStd[c];
      const float scaled = xHat * meanDyXhat[c];
      const float shifted = scaled + meanDy[c];
      const float diff = g[c] - shifted;
      out[c] = diff * alpha[c];
    }
  }
}

}  // namespace tfnative
