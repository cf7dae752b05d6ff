// 2-D convolutions as matrix products (im2col / col2im + cblas_sgemm), over blocks of output pixels so the
// unfolded patches stay small (a whole batch's patches can be tens of MB for a 3×3 conv).
#include <cblas.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels.h"
#include "window.h"

namespace tfnative {
namespace {

/** Patch length: one row of the unfolded input, ordered (kh, kw, ci) like an HWIO filter's rows. */
int64_t patchSize(const ConvGeometry& g) { return static_cast<int64_t>(g.filterHeight) * g.filterWidth * g.inChannels; }
int64_t pixelCount(const ConvGeometry& g) { return static_cast<int64_t>(g.batch) * g.outHeight * g.outWidth; }

/** Output pixels per block: ~4 MB of patches, at least 64 rows (a sgemm below that wastes OpenBLAS). */
int64_t blockPixels(const ConvGeometry& g) {
  const int64_t rows = std::max<int64_t>(64, (int64_t{1} << 20) / std::max<int64_t>(1, patchSize(g)));
  return std::min(rows, pixelCount(g));
}

/** The identity unfolding: a 1×1, stride-1, unpadded convolution reads x itself as its patch matrix. */
bool isPointwise(const ConvGeometry& g) {
  return g.filterHeight == 1 && g.filterWidth == 1 && g.strideHeight == 1 && g.strideWidth == 1 && g.padTop == 0 &&
         g.padLeft == 0 && g.outHeight == g.inHeight && g.outWidth == g.inWidth;
}

float* scratch(int64_t floats) {
  static thread_local std::vector<float> buffer;
  if (static_cast<int64_t>(buffer.size()) < floats) buffer.resize(floats);
  return buffer.data();
}

/** Visits each (output pixel p in [p0,p1), tap) whose input pixel is inside x: f(row, tapOffset, xPixel). */
template <typename F>
void forEachTap(const ConvGeometry& g, int64_t p0, int64_t p1, F f) {
  for (int64_t p = p0; p < p1; p++) forEachWindowTap(g, p, [&](int64_t tap, int64_t pixel) { f(p - p0, tap, pixel); });
}

void im2col(const ConvGeometry& g, const float* x, int64_t p0, int64_t p1, float* col) {
  const int64_t k = patchSize(g);
  std::memset(col, 0, sizeof(float) * (p1 - p0) * k);
  const size_t bytes = sizeof(float) * g.inChannels;
  forEachTap(g, p0, p1, [&](int64_t row, int64_t tap, int64_t pixel) { std::memcpy(col + row * k + tap, x + pixel, bytes); });
}

void col2imAdd(const ConvGeometry& g, const float* col, int64_t p0, int64_t p1, float* dx) {
  const int64_t k = patchSize(g);
  const int c = g.inChannels;
  forEachTap(g, p0, p1, [&](int64_t row, int64_t tap, int64_t pixel) {
    const float* src = col + row * k + tap;
    float* dst = dx + pixel;
    for (int i = 0; i < c; i++) dst[i] += src[i];
  });
}

}  // namespace

std::string convolutionLibrary() {
#ifdef TFNATIVE_DNNL
  return dnnlVersion();
#else
  return "im2col + OpenBLAS";
#endif
}

#ifdef TFNATIVE_DNNL
#define TRY_DNNL(call) if (call) return
#else
#define TRY_DNNL(call)
#endif

void conv2d(const ConvGeometry& g, const float* x, const float* filter, float* y, const float* bias, Activation act,
            float alpha) {
  const int64_t k = patchSize(g);
  const int64_t pixels = pixelCount(g);
  const int co = g.outChannels;
  if (pixels == 0 || co == 0) return;
#ifdef TFNATIVE_DNNL
  if (dnnlConv2d(g, x, filter, y)) {
    epilogue(y, pixels, co, bias, bias == nullptr ? 0 : co, act, alpha);
    return;
  }
#endif
  if (isPointwise(g)) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, pixels, co, k, 1.f, x, k, filter, co, 0.f, y, co);
  } else {
    const int64_t block = blockPixels(g);
    float* col = scratch(block * k);
    for (int64_t p0 = 0; p0 < pixels; p0 += block) {
      const int64_t p1 = std::min(pixels, p0 + block);
      im2col(g, x, p0, p1, col);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, p1 - p0, co, k, 1.f, col, k, filter, co, 0.f, y + p0 * co, co);
    }
  }
  epilogue(y, pixels, co, bias, bias == nullptr ? 0 : co, act, alpha);
}

void conv2dBackpropInput(const ConvGeometry& g, const float* dy, const float* filter, float* dx) {
  const int64_t k = patchSize(g);
  const int64_t pixels = pixelCount(g);
  const int co = g.outChannels;
  const int64_t dxSize = static_cast<int64_t>(g.batch) * g.inHeight * g.inWidth * g.inChannels;
  // oneDNN's input gradient is slower than col2im for a network's first layers (1-3 input channels, measured).
  if (pixels > 0 && k > 0 && g.inChannels >= 8) TRY_DNNL(dnnlConv2dBackpropInput(g, dy, filter, dx));
  if (isPointwise(g)) {  // dx = dy · Wᵀ
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, pixels, k, co, 1.f, dy, co, filter, co, 0.f, dx, k);
    return;
  }
  std::memset(dx, 0, sizeof(float) * dxSize);
  if (pixels == 0 || k == 0) return;
  const int64_t block = blockPixels(g);
  float* col = scratch(block * k);
  for (int64_t p0 = 0; p0 < pixels; p0 += block) {
    const int64_t p1 = std::min(pixels, p0 + block);
    // Patch gradients of this block, then each added back to the input pixel it was read from.
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, p1 - p0, k, co, 1.f, dy + p0 * co, co, filter, co, 0.f, col, k);
    col2imAdd(g, col, p0, p1, dx);
  }
}

void conv2dBackpropFilter(const ConvGeometry& g, const float* x, const float* dy, float* dw) {
  const int64_t k = patchSize(g);
  const int64_t pixels = pixelCount(g);
  const int co = g.outChannels;
  std::memset(dw, 0, sizeof(float) * k * co);
  if (pixels == 0) return;
  TRY_DNNL(dnnlConv2dBackpropFilter(g, x, dy, dw));
  if (isPointwise(g)) {  // dW = xᵀ · dy
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, co, pixels, 1.f, x, k, dy, co, 0.f, dw, co);
    return;
  }
  const int64_t block = blockPixels(g);
  float* col = scratch(block * k);
  for (int64_t p0 = 0; p0 < pixels; p0 += block) {
    const int64_t p1 = std::min(pixels, p0 + block);
    im2col(g, x, p0, p1, col);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, co, p1 - p0, 1.f, col, k, dy + p0 * co, co, 1.f, dw, co);
  }
}

}  // namespace tfnative
