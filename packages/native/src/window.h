// The input pixels one output pixel's window reads (convolution or pooling, NHWC), skipping padding.
#pragma once
#include <cstdint>

#include "kernels.h"

namespace tfnative {

/** Calls f(tapOffset, xPixelOffset) for each tap (kh, kw) of output pixel p (= (b·OH + oh)·OW + ow) inside x. */
template <typename F>
inline void forEachWindowTap(const ConvGeometry& g, int64_t p, F f) {
  const int64_t perImage = static_cast<int64_t>(g.outHeight) * g.outWidth;
  const int64_t b = p / perImage;
  const int oh = static_cast<int>((p % perImage) / g.outWidth);
  const int ow = static_cast<int>(p % g.outWidth);
  for (int kh = 0; kh < g.filterHeight; kh++) {
    const int ih = oh * g.strideHeight - g.padTop + kh * g.dilationHeight;
    if (ih < 0 || ih >= g.inHeight) continue;
    for (int kw = 0; kw < g.filterWidth; kw++) {
      const int iw = ow * g.strideWidth - g.padLeft + kw * g.dilationWidth;
      if (iw < 0 || iw >= g.inWidth) continue;
      const int64_t tap = (static_cast<int64_t>(kh) * g.filterWidth + kw) * g.inChannels;
      const int64_t pixel = ((b * g.inHeight + ih) * g.inWidth + iw) * g.inChannels;
      f(tap, pixel);
    }
  }
}

}  // namespace tfnative
