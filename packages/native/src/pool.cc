// dx of 2-D max pooling: dy added at each window's first maximum in scan order (strict >, so NaN and −∞ never
// win; overlapping windows add up), as tfjs's cpu kernel and PyTorch do. One pass over the output pixels, every
// channel of a pixel at once: the compare-and-select along contiguous channels uses 32-bit lanes only (float
// value, int32 tap number) and no aliasing, so it vectorizes.
#include <cstring>
#include <limits>
#include <vector>

#include "kernels.h"
#include "window.h"

namespace tfnative {

void maxPoolGrad(const ConvGeometry& g, const float* x, const float* dy, float* dx) {
  const int c = g.inChannels;
  std::memset(dx, 0, sizeof(float) * static_cast<size_t>(g.batch) * g.inHeight * g.inWidth * c);
  std::vector<float> bestBuffer(c);
  std::vector<int32_t> tapBuffer(c);
  std::vector<int64_t> tapPixel(static_cast<size_t>(g.filterHeight) * g.filterWidth);
  float* __restrict best = bestBuffer.data();
  int32_t* __restrict tapOf = tapBuffer.data();
  const int64_t pixels = static_cast<int64_t>(g.batch) * g.outHeight * g.outWidth;
  for (int64_t p = 0; p < pixels; p++) {
    for (int i = 0; i < c; i++) {
      best[i] = -std::numeric_limits<float>::infinity();
      tapOf[i] = -1;
    }
    int32_t taps = 0;
    forEachWindowTap(g, p, [&](int64_t, int64_t pixel) {
      const float* __restrict xp = x + pixel;
      const int32_t t = taps++;
      tapPixel[t] = pixel;
      for (int i = 0; i < c; i++) {
        const float v = xp[i], b = best[i];
        const int32_t more = -static_cast<int32_t>(v > b);  // all ones where this tap is the new maximum
        tapOf[i] = (tapOf[i] & ~more) | (t & more);
        best[i] = v > b ? v : b;
      }
    });
    const float* grad = dy + p * c;
    for (int i = 0; i < c; i++) {
      if (tapOf[i] >= 0) dx[tapPixel[tapOf[i]] + i] += grad[i];
    }
  }
}

}  // namespace tfnative
