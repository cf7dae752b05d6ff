// dx of 2-D max pooling: dy added at each window's first maximum in scan order (strict >, so NaN and −∞ never
// win; overlapping windows add up), as tfjs's cpu kernel and PyTorch do. One pass over the output pixels, every
// channel of a pixel at once so the compare loop runs along contiguous memory.
#include <cstring>
#include <limits>
#include <vector>

#include "kernels.h"

namespace tfnative {

void maxPoolGrad(const ConvGeometry& g, const float* x, const float* dy, float* dx) {
  const int c = g.inChannels;
  std::memset(dx, 0, sizeof(float) * static_cast<size_t>(g.batch) * g.inHeight * g.inWidth * c);
  std::vector<float> best(c);
  std::vector<int64_t> where(c);
  const float* out = dy;
  for (int b = 0; b < g.batch; b++) {
    const int64_t image = static_cast<int64_t>(b) * g.inHeight * g.inWidth;
    for (int oh = 0; oh < g.outHeight; oh++) {
      for (int ow = 0; ow < g.outWidth; ow++, out += c) {
        std::fill(best.begin(), best.end(), -std::numeric_limits<float>::infinity());
        std::fill(where.begin(), where.end(), int64_t{-1});
        for (int kh = 0; kh < g.filterHeight; kh++) {
          const int ih = oh * g.strideHeight - g.padTop + kh * g.dilationHeight;
          if (ih < 0 || ih >= g.inHeight) continue;
          for (int kw = 0; kw < g.filterWidth; kw++) {
            const int iw = ow * g.strideWidth - g.padLeft + kw * g.dilationWidth;
            if (iw < 0 || iw >= g.inWidth) continue;
            const int64_t pixel = (image + static_cast<int64_t>(ih) * g.inWidth + iw) * c;
            const float* xp = x + pixel;
            for (int i = 0; i < c; i++) {
              if (xp[i] > best[i]) {
                best[i] = xp[i];
                where[i] = pixel + i;
              }
            }
          }
        }
        for (int i = 0; i < c; i++) {
          if (where[i] >= 0) dx[where[i]] += out[i];
        }
      }
    }
  }
}

}  // namespace tfnative
