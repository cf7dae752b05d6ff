// N-API entry points. Every tensor argument is a byte offset into one ArrayBuffer (the tfjs wasm backend's
// WebAssembly.Memory buffer): the kernels read and write the wasm heap in place, without copies. Each range is
// checked against the buffer's length before any kernel touches it.
#include <cblas.h>
#include <node_api.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "kernels.h"

namespace {

using tfnative::Activation;
using tfnative::ConvGeometry;

struct Args {
  napi_env env;
  napi_value argv[12];
  size_t argc = 12;
  uint8_t* heap = nullptr;
  size_t heapBytes = 0;
  bool ok = true;

  Args(napi_env e, napi_callback_info info, size_t expected) : env(e) {
    napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
    if (argc < expected) fail("expected " + std::to_string(expected) + " arguments");
  }
  void fail(const std::string& what) {
    if (ok) napi_throw_error(env, "ERR_TENSORFLEET_NATIVE", ("@tensorfleet/native: " + what).c_str());
    ok = false;
  }
  void heapAt(size_t i) {
    void* data = nullptr;
    bool isBuffer = false;
    napi_is_arraybuffer(env, argv[i], &isBuffer);
    if (!isBuffer || napi_get_arraybuffer_info(env, argv[i], &data, &heapBytes) != napi_ok) return fail("argument 0 must be an ArrayBuffer");
    heap = static_cast<uint8_t*>(data);
  }
  double number(size_t i) {
    double v = 0;
    if (ok && napi_get_value_double(env, argv[i], &v) != napi_ok) fail("argument " + std::to_string(i) + " must be a number");
    return v;
  }
  /** A float32 range of `floats` elements at byte offset argv[i]; a negative offset means absent (null). */
  float* floats(size_t i, int64_t floats, bool optional = false) {
    const double offset = number(i);
    if (!ok) return nullptr;
    if (optional && offset < 0) return nullptr;
    if (offset < 0 || static_cast<int64_t>(offset) % 4 != 0 || floats < 0 ||
        static_cast<double>(offset) + 4.0 * static_cast<double>(floats) > static_cast<double>(heapBytes)) {
      fail("tensor range at argument " + std::to_string(i) + " lies outside the heap");
      return nullptr;
    }
    return reinterpret_cast<float*>(heap + static_cast<int64_t>(offset));
  }
  /** A byte range of `count` bytes at byte offset argv[i]. */
  uint8_t* bytes(size_t i, int64_t count) {
    const double offset = number(i);
    if (!ok) return nullptr;
    if (offset < 0 || count < 0 || offset + static_cast<double>(count) > static_cast<double>(heapBytes)) {
      fail("tensor range at argument " + std::to_string(i) + " lies outside the heap");
      return nullptr;
    }
    return heap + static_cast<int64_t>(offset);
  }
  /** Copies an Int32Array argument of exactly `n` elements into out. */
  void ints(size_t i, int32_t* out, size_t n) {
    if (!ok) return;
    napi_typedarray_type type;
    size_t length = 0;
    void* data = nullptr;
    if (napi_get_typedarray_info(env, argv[i], &type, &length, &data, nullptr, nullptr) != napi_ok || type != napi_int32_array || length != n) {
      return fail("argument " + std::to_string(i) + " must be an Int32Array of " + std::to_string(n));
    }
    for (size_t j = 0; j < n; j++) out[j] = static_cast<int32_t*>(data)[j];
  }
  ConvGeometry geometry(size_t i) {
    ConvGeometry g{};
    ints(i, reinterpret_cast<int32_t*>(&g), tfnative::kConvGeometryFields);
    if (ok && (g.batch < 0 || g.inHeight < 0 || g.inWidth < 0 || g.inChannels < 0 || g.outHeight < 0 || g.outWidth < 0 ||
               g.outChannels < 0 || g.filterHeight < 1 || g.filterWidth < 1 || g.strideHeight < 1 || g.strideWidth < 1 ||
               g.dilationHeight < 1 || g.dilationWidth < 1)) {
      fail("invalid convolution geometry");
    }
    return g;
  }
};

napi_value undefined(napi_env env) {
  napi_value v;
  napi_get_undefined(env, &v);
  return v;
}

Activation activation(Args& a, size_t i) {
  const int act = static_cast<int>(a.number(i));
  if (act < tfnative::kLinear || act > tfnative::kSigmoid) a.fail("unknown activation code " + std::to_string(act));
  return static_cast<Activation>(act);
}

int64_t size4(int64_t a, int64_t b, int64_t c, int64_t d) { return a * b * c * d; }

enum class Tensor { kX, kY, kFilter, kPooled, kDepthwiseFilter };

int64_t floatsOf(const ConvGeometry& g, Tensor t) {
  switch (t) {
    case Tensor::kX: return size4(g.batch, g.inHeight, g.inWidth, g.inChannels);
    case Tensor::kY: return size4(g.batch, g.outHeight, g.outWidth, g.outChannels);
    case Tensor::kPooled: return size4(g.batch, g.outHeight, g.outWidth, g.inChannels);
    case Tensor::kFilter: return size4(g.filterHeight, g.filterWidth, g.inChannels, g.outChannels);
    case Tensor::kDepthwiseFilter: return size4(g.filterHeight, g.filterWidth, g.outChannels, 1);
  }
  return 0;
}

// batchMatMul(heap, dims Int32Array[batch, batchA, batchB, m, n, k, transA, transB, biasLen], aOff, bOff, cOff,
//             biasOff (-1: none), activation, alpha)
napi_value BatchMatMul(napi_env env, napi_callback_info info) {
  Args a(env, info, 8);
  if (!a.ok) return nullptr;
  a.heapAt(0);
  int32_t d[9];
  a.ints(1, d, 9);
  if (!a.ok) return nullptr;
  const int batch = d[0], batchA = d[1], batchB = d[2], m = d[3], n = d[4], k = d[5], biasLen = d[8];
  if (batch < 0 || batchA < 1 || batchB < 1 || m < 0 || n < 0 || k < 0 || (biasLen != 0 && biasLen != 1 && biasLen != n)) {
    a.fail("invalid matmul dimensions");
    return nullptr;
  }
  const float* A = a.floats(2, int64_t{batchA} * m * k);
  const float* B = a.floats(3, int64_t{batchB} * k * n);
  float* C = a.floats(4, int64_t{batch} * m * n);
  const float* bias = a.floats(5, biasLen, true);
  const Activation act = activation(a, 6);
  const float alpha = static_cast<float>(a.number(7));
  if (!a.ok) return nullptr;
  tfnative::batchMatMul(A, B, C, batch, batchA, batchB, m, n, k, d[6] != 0, d[7] != 0, biasLen ? bias : nullptr, biasLen, act, alpha);
  return undefined(env);
}

using ForwardConv = void (*)(const ConvGeometry&, const float*, const float*, float*, const float*, Activation, float);

// conv2d / depthwiseConv2d(heap, geometry Int32Array(15), xOff, filterOff, yOff, biasOff (-1: none), activation, alpha)
template <Tensor Filter, ForwardConv Kernel>
napi_value Conv2D(napi_env env, napi_callback_info info) {
  Args a(env, info, 8);
  if (!a.ok) return nullptr;
  a.heapAt(0);
  const ConvGeometry g = a.geometry(1);
  if (!a.ok) return nullptr;
  if (Filter == Tensor::kDepthwiseFilter && (g.inChannels < 1 || g.outChannels % g.inChannels != 0)) {
    a.fail("depthwise output channels must be a multiple of the input channels");
    return nullptr;
  }
  const float* x = a.floats(2, floatsOf(g, Tensor::kX));
  const float* f = a.floats(3, floatsOf(g, Filter));
  float* y = a.floats(4, floatsOf(g, Tensor::kY));
  const float* bias = a.floats(5, g.outChannels, true);
  const Activation act = activation(a, 6);
  const float alpha = static_cast<float>(a.number(7));
  if (!a.ok) return nullptr;
  Kernel(g, x, f, y, bias, act, alpha);
  return undefined(env);
}

// conv2dBackpropInput(heap, geometry, dyOff, filterOff, dxOff), conv2dBackpropFilter(heap, geometry, xOff,
// dyOff, dwOff) and maxPoolGrad(heap, geometry, xOff, dyOff, dxOff): argument 2 and 3 are the gradient's inputs,
// argument 4 its output.
template <Tensor In0, Tensor In1, Tensor Out, void (*Kernel)(const ConvGeometry&, const float*, const float*, float*)>
napi_value ConvGradient(napi_env env, napi_callback_info info) {
  Args a(env, info, 5);
  if (!a.ok) return nullptr;
  a.heapAt(0);
  const ConvGeometry g = a.geometry(1);
  if (!a.ok) return nullptr;
  if ((In1 == Tensor::kDepthwiseFilter || Out == Tensor::kDepthwiseFilter) && (g.inChannels < 1 || g.outChannels % g.inChannels != 0)) {
    a.fail("depthwise output channels must be a multiple of the input channels");
    return nullptr;
  }
  const float* in0 = a.floats(2, floatsOf(g, In0));
  const float* in1 = a.floats(3, floatsOf(g, In1));
  float* out = a.floats(4, floatsOf(g, Out));
  if (!a.ok) return nullptr;
  Kernel(g, in0, in1, out);
  return undefined(env);
}

// binary(heap, op, aOff, aRepeat, aLength, bOff, bRepeat, bLength, outOff, n); a comparison's out is n bytes
napi_value Binary(napi_env env, napi_callback_info info) {
  Args a(env, info, 10);
  if (!a.ok) return nullptr;
  a.heapAt(0);
  const double op = a.number(1);
  const int64_t aRepeat = static_cast<int64_t>(a.number(3)), aLength = static_cast<int64_t>(a.number(4));
  const int64_t bRepeat = static_cast<int64_t>(a.number(6)), bLength = static_cast<int64_t>(a.number(7));
  const int64_t n = static_cast<int64_t>(a.number(9));
  if (!a.ok) return nullptr;
  if (op != static_cast<int>(op) || op < tfnative::kAdd || op > tfnative::kMulStep) {
    a.fail("unknown binary op code");
    return nullptr;
  }
  // Each operand's reads stay inside its own range: (i / repeat) % length < length.
  if (n < 0 || aRepeat < 1 || aLength < 1 || bRepeat < 1 || bLength < 1) {
    a.fail("invalid broadcast");
    return nullptr;
  }
  const float* A = a.floats(2, aLength);
  const float* B = a.floats(5, bLength);
  const auto code = static_cast<tfnative::BinaryOp>(static_cast<int>(op));
  void* out = tfnative::writesBytes(code) ? static_cast<void*>(a.bytes(8, n)) : static_cast<void*>(a.floats(8, n));
  if (!a.ok) return nullptr;
  tfnative::binary(code, A, aRepeat, aLength, B, bRepeat, bLength, out, n);
  return undefined(env);
}

// sum(heap, xOff, rows, cols, scale, outOff, overRows (1: out[cols] sums over rows; 0: out[rows] over columns))
napi_value Sum(napi_env env, napi_callback_info info) {
  Args a(env, info, 7);
  if (!a.ok) return nullptr;
  a.heapAt(0);
  const int64_t rows = static_cast<int64_t>(a.number(2)), cols = static_cast<int64_t>(a.number(3));
  const double scale = a.number(4);
  const bool overRows = a.number(6) != 0;
  if (!a.ok) return nullptr;
  if (rows < 0 || cols < 0) {
    a.fail("invalid reduction shape");
    return nullptr;
  }
  const float* x = a.floats(1, rows * cols);
  float* out = a.floats(5, overRows ? cols : rows);
  if (!a.ok) return nullptr;
  (overRows ? tfnative::sumRows : tfnative::sumColumns)(x, rows, cols, scale, out);
  return undefined(env);
}

// BatchNorm passes over an [rows, channels] activation; per-channel vectors are `channels` floats each.
// channelMoments(heap, xOff, rows, channels, meanOff, varianceOff)
// channelAffine(heap, xOff, rows, channels, alphaOff, shiftOff, yOff)
// batchNormGradSums(heap, dyOff, xOff, rows, channels, meanOff, invStdOff, sumDyOff, sumDyXhatOff)
// batchNormGradInput(heap, dyOff, xOff, rows, channels, meanOff, invStdOff, alphaOff, meanDyOff, meanDyXhatOff, dxOff)
/** The ranges of a BatchNorm pass: arguments `full` hold rows×channels floats, `perChannel` channels floats each. */
struct ChannelArgs {
  int64_t rows = 0, channels = 0;
  std::vector<float*> full, perChannel;
};

ChannelArgs channelArgs(Args& a, size_t shapeAt, std::initializer_list<size_t> full, std::initializer_list<size_t> perChannel) {
  ChannelArgs c;
  a.heapAt(0);
  c.rows = static_cast<int64_t>(a.number(shapeAt));
  c.channels = static_cast<int64_t>(a.number(shapeAt + 1));
  if (a.ok && (c.rows < 1 || c.channels < 1)) a.fail("invalid [rows, channels] shape");
  for (size_t i : full) c.full.push_back(a.floats(i, c.rows * c.channels));
  for (size_t i : perChannel) c.perChannel.push_back(a.floats(i, c.channels));
  return c;
}

napi_value ChannelMoments(napi_env env, napi_callback_info info) {
  Args a(env, info, 6);
  if (!a.ok) return nullptr;
  const ChannelArgs c = channelArgs(a, 2, {1}, {4, 5});
  if (!a.ok) return nullptr;
  tfnative::channelMoments(c.full[0], c.rows, c.channels, c.perChannel[0], c.perChannel[1]);
  return undefined(env);
}

napi_value ChannelAffine(napi_env env, napi_callback_info info) {
  Args a(env, info, 7);
  if (!a.ok) return nullptr;
  const ChannelArgs c = channelArgs(a, 2, {1, 6}, {4, 5});
  if (!a.ok) return nullptr;
  tfnative::channelAffine(c.full[0], c.rows, c.channels, c.perChannel[0], c.perChannel[1], c.full[1]);
  return undefined(env);
}

napi_value BatchNormGradSums(napi_env env, napi_callback_info info) {
  Args a(env, info, 9);
  if (!a.ok) return nullptr;
  const ChannelArgs c = channelArgs(a, 3, {1, 2}, {5, 6, 7, 8});
  if (!a.ok) return nullptr;
  const auto& v = c.perChannel;
  tfnative::batchNormGradSums(c.full[0], c.full[1], c.rows, c.channels, v[0], v[1], v[2], v[3]);
  return undefined(env);
}

napi_value BatchNormGradInput(napi_env env, napi_callback_info info) {
  Args a(env, info, 11);
  if (!a.ok) return nullptr;
  const ChannelArgs c = channelArgs(a, 3, {1, 2, 10}, {5, 6, 7, 8, 9});
  if (!a.ok) return nullptr;
  const auto& v = c.perChannel;
  tfnative::batchNormGradInput(c.full[0], c.full[1], c.rows, c.channels, v[0], v[1], v[2], v[3], v[4], c.full[2]);
  return undefined(env);
}

// keepMask(heap, outOff, n, key (int32), keepFrom (0..2^32), scale)
napi_value KeepMask(napi_env env, napi_callback_info info) {
  Args a(env, info, 6);
  if (!a.ok) return nullptr;
  a.heapAt(0);
  const int64_t n = static_cast<int64_t>(a.number(2));
  const double key = a.number(3), keepFrom = a.number(4), scale = a.number(5);
  if (!a.ok) return nullptr;
  if (n < 0 || key != static_cast<int32_t>(key) || !(keepFrom >= 0 && keepFrom <= 4294967296.0) || keepFrom != static_cast<uint64_t>(keepFrom)) {
    a.fail("keepMask: n must be ≥ 0, key an int32 and keepFrom an integer in [0, 2^32]");
    return nullptr;
  }
  float* out = a.floats(1, n);
  if (!a.ok) return nullptr;
  tfnative::keepMask(out, n, static_cast<uint32_t>(static_cast<int32_t>(key)), static_cast<uint64_t>(keepFrom), static_cast<float>(scale));
  return undefined(env);
}

// setThreads(n): OpenBLAS's worker threads for every later call.
napi_value SetThreads(napi_env env, napi_callback_info info) {
  Args a(env, info, 1);
  const double n = a.number(0);
  if (!a.ok) return nullptr;
  if (n < 1 || n != static_cast<int>(n)) {
    a.fail("threads must be a positive integer");
    return nullptr;
  }
  openblas_set_num_threads(static_cast<int>(n));
#ifdef TFNATIVE_DNNL
  tfnative::dnnlSetThreads(static_cast<int>(n));
#endif
  return undefined(env);
}

napi_value str(napi_env env, const char* s) {
  napi_value v;
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v);
  return v;
}

// info(): { blas: OpenBLAS's build configuration, core: the kernel set it picked for this CPU, convolutions, threads }
napi_value Info(napi_env env, napi_callback_info) {
  napi_value out, threads;
  napi_create_object(env, &out);
  napi_set_named_property(env, out, "blas", str(env, openblas_get_config()));
  napi_set_named_property(env, out, "core", str(env, openblas_get_corename()));
  napi_set_named_property(env, out, "convolutions", str(env, tfnative::convolutionLibrary().c_str()));
  napi_create_int32(env, openblas_get_num_threads(), &threads);
  napi_set_named_property(env, out, "threads", threads);
  return out;
}


// The step loops take Float32Arrays (each with its own buffer), not heap offsets: the parameter server's tensors
// live in ordinary typed arrays and frames. Lengths must agree; every array is read through its own view.
struct Floats {
  float* data = nullptr;
  int64_t length = -1;
};

Floats float32ArrayAt(Args& a, size_t i) {
  Floats out;
  if (!a.ok) return out;
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (napi_get_typedarray_info(a.env, a.argv[i], &type, &length, &data, nullptr, nullptr) != napi_ok || type != napi_float32_array) {
    a.fail("argument " + std::to_string(i) + " must be a Float32Array");
    return out;
  }
  out.data = static_cast<float*>(data);
  out.length = static_cast<int64_t>(length);
  return out;
}

/** The arrays at argv[0..count) as one length, or a failure naming the first that differs. */
int64_t sameLength(Args& a, std::initializer_list<Floats> arrays) {
  int64_t n = -1;
  size_t i = 0;
  for (const Floats& f : arrays) {
    if (!a.ok) return -1;
    if (n < 0) n = f.length;
    else if (f.length != n) a.fail("argument " + std::to_string(i) + " has " + std::to_string(f.length) + " values, argument 0 has " + std::to_string(n));
    i++;
  }
  return n;
}

// addInto(sum, t) / addDivideInto(sum, t, divisor)
napi_value AddInto(napi_env env, napi_callback_info info) {
  Args a(env, info, 2);
  const Floats sum = float32ArrayAt(a, 0), t = float32ArrayAt(a, 1);
  const int64_t n = sameLength(a, {sum, t});
  if (!a.ok) return nullptr;
  tfnative::addInto(sum.data, t.data, n);
  return undefined(env);
}

napi_value AddDivideInto(napi_env env, napi_callback_info info) {
  Args a(env, info, 3);
  const Floats sum = float32ArrayAt(a, 0), t = float32ArrayAt(a, 1);
  const int64_t n = sameLength(a, {sum, t});
  const double divisor = a.number(2);
  if (!a.ok) return nullptr;
  tfnative::addDivideInto(sum.data, t.data, n, divisor);
  return undefined(env);
}

// sgdMomentum(param, grad, buf, mu, keep, weightDecay, negLr)
napi_value SgdMomentum(napi_env env, napi_callback_info info) {
  Args a(env, info, 7);
  const Floats param = float32ArrayAt(a, 0), grad = float32ArrayAt(a, 1), buf = float32ArrayAt(a, 2);
  const int64_t n = sameLength(a, {param, grad, buf});
  const double mu = a.number(3), keep = a.number(4), wd = a.number(5), negLr = a.number(6);
  if (!a.ok) return nullptr;
  tfnative::sgdMomentum(param.data, grad.data, buf.data, n, mu, keep, wd, negLr);
  return undefined(env);
}

// findNonFinite(values) → index of the first NaN/±Infinity, or -1
napi_value FindNonFinite(napi_env env, napi_callback_info info) {
  Args a(env, info, 1);
  const Floats values = float32ArrayAt(a, 0);
  if (!a.ok) return nullptr;
  napi_value out;
  napi_create_int64(env, tfnative::findNonFinite(values.data, values.length), &out);
  return out;
}

napi_value Init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"batchMatMul", nullptr, BatchMatMul, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2d", nullptr, Conv2D<Tensor::kFilter, tfnative::conv2d>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"depthwiseConv2d", nullptr, Conv2D<Tensor::kDepthwiseFilter, tfnative::depthwiseConv2d>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"depthwiseConv2dBackpropInput", nullptr, ConvGradient<Tensor::kY, Tensor::kDepthwiseFilter, Tensor::kX, tfnative::depthwiseConv2dBackpropInput>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"depthwiseConv2dBackpropFilter", nullptr, ConvGradient<Tensor::kX, Tensor::kY, Tensor::kDepthwiseFilter, tfnative::depthwiseConv2dBackpropFilter>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"binary", nullptr, Binary, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sum", nullptr, Sum, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"keepMask", nullptr, KeepMask, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"channelMoments", nullptr, ChannelMoments, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"channelAffine", nullptr, ChannelAffine, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchNormGradSums", nullptr, BatchNormGradSums, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchNormGradInput", nullptr, BatchNormGradInput, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2dBackpropInput", nullptr, ConvGradient<Tensor::kY, Tensor::kFilter, Tensor::kX, tfnative::conv2dBackpropInput>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2dBackpropFilter", nullptr, ConvGradient<Tensor::kX, Tensor::kY, Tensor::kFilter, tfnative::conv2dBackpropFilter>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maxPoolGrad", nullptr, ConvGradient<Tensor::kX, Tensor::kPooled, Tensor::kX, tfnative::maxPoolGrad>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"addInto", nullptr, AddInto, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"addDivideInto", nullptr, AddDivideInto, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sgdMomentum", nullptr, SgdMomentum, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"findNonFinite", nullptr, FindNonFinite, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setThreads", nullptr, SetThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"info", nullptr, Info, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
