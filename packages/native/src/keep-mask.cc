// Inverted-dropout keep masks, the counter-based SplitMix32 of core's SeedStream (layers/seed-stream.ts) element for
// element: the same bits, so a mask does not depend on whether the addon drew it. In C the loop vectorizes; in JS
// it is a sixth of the mlp preset's step.
#include <cstdint>

#include "kernels.h"

namespace tfnative {

void keepMask(float* out, int64_t n, uint32_t key, uint64_t keepFrom, float scale) {
  for (int64_t i = 0; i < n; i++) {
    uint32_t z = key + static_cast<uint32_t>(i + 1) * 0x9e3779b9u;
    z = (z ^ (z >> 16)) * 0x85ebca6bu;
    z = (z ^ (z >> 13)) * 0xc2b2ae35u;
    z ^= z >> 16;
    out[i] = scale * static_cast<float>(static_cast<uint64_t>(z) >= keepFrom);
  }
}

}  // namespace tfnative
