// Float32 kernels on caller-owned memory (the tfjs wasm heap): row-major, NHWC activations, HWIO filters.
#pragma once
#include <cstdint>
#include <string>

namespace tfnative {

/** Elementwise epilogue of the fused kernels (tfjs's _FusedMatMul / FusedConv2D activations). */
enum Activation : int32_t { kLinear = 0, kRelu = 1, kRelu6 = 2, kLeakyRelu = 3, kElu = 4, kSigmoid = 5 };

/** Geometry of a forward 2-D convolution, as tfjs's computeConv2DInfo resolves it. */
struct ConvGeometry {
  int32_t batch, inHeight, inWidth, inChannels;
  int32_t outHeight, outWidth, outChannels;
  int32_t filterHeight, filterWidth;
  int32_t strideHeight, strideWidth, dilationHeight, dilationWidth;
  int32_t padTop, padLeft;
};
constexpr int kConvGeometryFields = 15;

/**
 * c[i] = op(a[i % batchA]) · op(b[i % batchB]) for i < batch (tfjs's BatchMatMul broadcasting), each M×K · K×N,
 * then + bias (length biasLen: N per column, or 1) and the activation. bias may be null.
 */
void batchMatMul(const float* a, const float* b, float* c, int batch, int batchA, int batchB, int m, int n, int k,
                 bool transA, bool transB, const float* bias, int biasLen, Activation act, float alpha);

/** y = conv2d(x, filter) (+ bias per output channel) then the activation. */
void conv2d(const ConvGeometry& g, const float* x, const float* filter, float* y, const float* bias, Activation act,
            float alpha);

/** dx = ∂conv2d/∂x applied to dy. */
void conv2dBackpropInput(const ConvGeometry& g, const float* dy, const float* filter, float* dx);

/** dW = ∂conv2d/∂filter applied to dy. */
void conv2dBackpropFilter(const ConvGeometry& g, const float* x, const float* dy, float* dw);

/** y = depthwise conv2d(x, filter [KH, KW, C, M]) (+ bias per output channel) then the activation; outChannels = C·M. */
void depthwiseConv2d(const ConvGeometry& g, const float* x, const float* filter, float* y, const float* bias,
                     Activation act, float alpha);

/** dx of the depthwise convolution applied to dy. */
void depthwiseConv2dBackpropInput(const ConvGeometry& g, const float* dy, const float* filter, float* dx);

/** dW [KH, KW, C, M] of the depthwise convolution applied to dy. */
void depthwiseConv2dBackpropFilter(const ConvGeometry& g, const float* x, const float* dy, float* dw);

/** Elementwise ops of binary(); codes shared with core's native-kernels/elementwise.ts. Comparisons write bytes. */
// kMulStep: a · step(b) (1 where b > 0, 0 where not, NaN where b is NaN): ReLU's gradient dy · step(x) in one pass.
enum BinaryOp : int32_t { kAdd = 0, kSub = 1, kMul = 2, kDiv = 3, kGreater = 4, kGreaterEqual = 5, kLess = 6, kLessEqual = 7, kMulStep = 8 };
constexpr bool writesBytes(BinaryOp op) { return op >= kGreater && op <= kLessEqual; }

/**
 * out[i] = a[(i / aRepeat) % aLength] ∘ b[(i / bRepeat) % bLength] for i < n (float32, or a byte 0/1 for a comparison): every broadcast in which an operand's
 * non-1 axes are one contiguous run of the output's axes (same shape, scalar, per-channel vector, per-row column).
 */
void binary(BinaryOp op, const float* a, int64_t aRepeat, int64_t aLength, const float* b, int64_t bRepeat,
            int64_t bLength, void* out, int64_t n);

/** out[j] = scale · Σ_r x[r, j] over an x of rows×cols (a reduction over leading axes), in double. */
void sumRows(const float* x, int64_t rows, int64_t cols, double scale, float* out);

/** out[r] = scale · Σ_j x[r, j] (a reduction over trailing axes), in double. */
void sumColumns(const float* x, int64_t rows, int64_t cols, double scale, float* out);

/** Per-channel mean and biased variance of an [rows, channels] matrix (double sums, two passes). */
void channelMoments(const float* x, int64_t rows, int64_t channels, float* mean, float* variance);

/** y[r, c] = x[r, c]·alpha[c] + shift[c]: BatchNorm's normalization in one pass. */
void channelAffine(const float* x, int64_t rows, int64_t channels, const float* alpha, const float* shift, float* y);

/** BatchNorm backward sums per channel: Σdy and Σdy·x̂ with x̂ = (x − mean)·invStd. */
void batchNormGradSums(const float* dy, const float* x, int64_t rows, int64_t channels, const float* mean,
                       const float* invStd, float* sumDy, float* sumDyXhat);

/** BatchNorm's input gradient dx = (dy − (x̂·meanDyXhat + meanDy))·alpha, x̂ recomputed from x. */
void batchNormGradInput(const float* dy, const float* x, int64_t rows, int64_t channels, const float* mean,
                        const float* invStd, const float* alpha, const float* meanDy, const float* meanDyXhat,
                        float* dx);

/** out[i] = scale where element i's SplitMix32 draw (keyed by key) is ≥ keepFrom, else 0 (core's SeedStream masks). */
void keepMask(float* out, int64_t n, uint32_t key, uint64_t keepFrom, float scale);

/** dx of max pooling (outChannels unused: pooling keeps inChannels); window = filter, no dilation. */
void maxPoolGrad(const ConvGeometry& g, const float* x, const float* dy, float* dx);

#ifdef TFNATIVE_DNNL
/** oneDNN convolutions; false when oneDNN has no fast implementation for this geometry (use im2col then). */
bool dnnlConv2d(const ConvGeometry& g, const float* x, const float* filter, float* y);
bool dnnlConv2dBackpropInput(const ConvGeometry& g, const float* dy, const float* filter, float* dx);
bool dnnlConv2dBackpropFilter(const ConvGeometry& g, const float* x, const float* dy, float* dw);
void dnnlSetThreads(int threads);
std::string dnnlVersion();
#endif

/** Which library runs the convolutions: "oneDNN x.y.z" or "im2col + OpenBLAS". */
std::string convolutionLibrary();

/** bias + activation over rows×cols (bias per column, or a single value when biasLen is 1). */
void epilogue(float* y, int64_t rows, int cols, const float* bias, int biasLen, Activation act, float alpha);

}  // namespace tfnative

// The parameter server's step loops on separate Float32Arrays (not the heap): the same bits as core's JS loops.
namespace tfnative {
/** sum[i] = f32(sum[i] + t[i]). */
void addInto(float* sum, const float* t, int64_t n);
/** sum[i] = f32(f32(sum[i] + t[i]) / divisor). */
void addDivideInto(float* sum, const float* t, int64_t n, double divisor);
/** SGD's steady momentum step: buf ← f32(f32(buf·μ) + keep·f32(g + λθ)); θ ← f32(θ + negLr·buf) (λ = 0: g alone). */
void sgdMomentum(float* param, const float* grad, float* buf, int64_t n, double mu, double keep, double wd, double negLr);
/** The index of the first NaN or ±Infinity among values[0..n), or -1. */
int64_t findNonFinite(const float* values, int64_t n);
}  // namespace tfnative
