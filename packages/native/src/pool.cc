// dx of 2-D max pooling: dy added at each window's first maximum in scan order (strict >, so NaN and −∞ never
// win; overlapping windows add up), as tfjs's cpu kernel and PyTorch do. One pass over the output pixels, every
// channel of a pixel at once: the compare-and-select along contiguous channels is branch-free, so it vectorizes.
#include <cstring>
#include <limits>
#include <vector>

#include "kernels.h"
#include "window.h"

namespace tfnative {

void maxPoolGrad(const ConvGeometry& g, const float* x, const float* dy, float* dx) {
  const int c = g.inChannels;
  std::memset(dx, 0, sizeof(float) * static_cast<size_t>(g.batch) * g.inHeight * g.inWidth * c);
  std::vector<float> best(c);
  std::vector<int64_t> where(c);
  float* bestp = best.data();
  int64_t* wherep = where.data();
  const int64_t pixels = static_cast<int64_t>(g.batch) * g.outHeight * g.outWidth;
  for (int64_t p = 0; p < pixels; p++) {
    for (int i = 0; i < c; i++) {
      bestp[i] = -std::numeric_limits<float>::infinity();
      wherep[i] = -1;
    }
    forEachWindowTap(g, p, [&](int64_t, int64_t pixel) {
      const float* xp = x + pixel;
      for (int i = 0; i < c; i++) {
        const bool more = xp[i] > bestp[i];
        bestp[i] = more ? xp[i] : bestp[i];
        wherep[i] = more ? pixel : wherep[i];
      }
    });
    const float* grad = dy + p * c;
    for (int i = 0; i < c; i++) {
      if (wherep[i] >= 0) dx[wherep[i] + i] += grad[i];
    }
  }
}

}  // namespace tfnative
