// Depthwise 2-D convolution (filter [KH, KW, C, M]; output channel c·M + m reads input channel c only) and both
// of its gradients, as direct loops over each output pixel's window. Every tap of a pixel is a multiply-add along
// the contiguous C·M channels, which the compiler vectorizes; there is no matrix product to hand to BLAS.
#include <cstring>

#include "kernels.h"
#include "window.h"

namespace tfnative {
namespace {

int64_t pixelCount(const ConvGeometry& g) { return static_cast<int64_t>(g.batch) * g.outHeight * g.outWidth; }

/** Calls f(xPixel, filterTap) for each tap of output pixel p: x + xPixel holds C inputs, filter + filterTap C·M weights. */
template <typename F>
void forEachDepthwiseTap(const ConvGeometry& g, int64_t p, F f) {
  const int64_t multiplier = g.outChannels / g.inChannels;
  forEachWindowTap(g, p, [&](int64_t tap, int64_t pixel) { f(pixel, tap * multiplier); });
}

}  // namespace

void depthwiseConv2d(const ConvGeometry& g, const float* x, const float* filter, float* y, const float* bias,
                     Activation act, float alpha) {
  const int c = g.inChannels;
  const int m = g.outChannels / c;
  const int64_t pixels = pixelCount(g);
  for (int64_t p = 0; p < pixels; p++) {
    float* out = y + p * g.outChannels;
    std::memset(out, 0, sizeof(float) * g.outChannels);
    forEachDepthwiseTap(g, p, [&](int64_t pixel, int64_t tap) {
      const float* xp = x + pixel;
      const float* fp = filter + tap;
      if (m == 1) {
        for (int i = 0; i < c; i++) out[i] += xp[i] * fp[i];
      } else {
        for (int i = 0; i < c; i++) {
          for (int j = 0; j < m; j++) out[i * m + j] += xp[i] * fp[i * m + j];
        }
      }
    });
  }
  epilogue(y, pixels, g.outChannels, bias, bias == nullptr ? 0 : g.outChannels, act, alpha);
}

void depthwiseConv2dBackpropInput(const ConvGeometry& g, const float* dy, const float* filter, float* dx) {
  const int c = g.inChannels;
  const int m = g.outChannels / c;
  std::memset(dx, 0, sizeof(float) * static_cast<size_t>(g.batch) * g.inHeight * g.inWidth * c);
  const int64_t pixels = pixelCount(g);
  for (int64_t p = 0; p < pixels; p++) {
    const float* grad = dy + p * g.outChannels;
    forEachDepthwiseTap(g, p, [&](int64_t pixel, int64_t tap) {
      float* dxp = dx + pixel;
      const float* fp = filter + tap;
      if (m == 1) {
        for (int i = 0; i < c; i++) dxp[i] += grad[i] * fp[i];
      } else {
        for (int i = 0; i < c; i++) {
          float s = 0.f;
          for (int j = 0; j < m; j++) s += grad[i * m + j] * fp[i * m + j];
          dxp[i] += s;
        }
      }
    });
  }
}

void depthwiseConv2dBackpropFilter(const ConvGeometry& g, const float* x, const float* dy, float* dw) {
  const int c = g.inChannels;
  const int m = g.outChannels / c;
  std::memset(dw, 0, sizeof(float) * static_cast<size_t>(g.filterHeight) * g.filterWidth * g.outChannels);
  const int64_t pixels = pixelCount(g);
  for (int64_t p = 0; p < pixels; p++) {
    const float* grad = dy + p * g.outChannels;
    forEachDepthwiseTap(g, p, [&](int64_t pixel, int64_t tap) {
      const float* xp = x + pixel;
      float* dwp = dw + tap;
      if (m == 1) {
        for (int i = 0; i < c; i++) dwp[i] += xp[i] * grad[i];
      } else {
        for (int i = 0; i < c; i++) {
          for (int j = 0; j < m; j++) dwp[i * m + j] += xp[i] * grad[i * m + j];
        }
      }
    });
  }
}

}  // namespace tfnative
