// Convolutions on oneDNN (Debian's libdnnl, the library PyTorch's CPU convolutions run on), on the caller's NHWC
// activations in place. oneDNN picks the filter layout its fastest (JIT) kernel wants: the small filter is
// reordered to it (or its gradient back from it), with a scratch buffer per geometry. Primitives are built once per
// geometry and cached. A geometry oneDNN
// would only run with its reference loops (or cannot express, e.g. a negative right padding) returns false, and
// the caller uses im2col + OpenBLAS instead.
#include <dnnl.hpp>
#include <omp.h>

#include <array>
#include <cstring>
#include <map>
#include <memory>
#include <string>

#include "kernels.h"

namespace tfnative {
namespace {

using dnnl::memory;
using Tag = memory::format_tag;
using Dt = memory::data_type;

dnnl::engine& engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}
dnnl::stream& stream() {
  static dnnl::stream s(engine());
  return s;
}

enum class Kind { kForward, kBackwardData, kBackwardWeights };

struct Shapes {
  memory::desc x, w, y;
  memory::dims strides, dilates, padL, padR;
};

bool shapes(const ConvGeometry& g, Shapes& s) {
  const int64_t padBottom = int64_t{g.outHeight - 1} * g.strideHeight + int64_t{g.filterHeight - 1} * g.dilationHeight + 1 - g.inHeight - g.padTop;
  const int64_t padRight = int64_t{g.outWidth - 1} * g.strideWidth + int64_t{g.filterWidth - 1} * g.dilationWidth + 1 - g.inWidth - g.padLeft;
  if (padBottom < 0 || padRight < 0 || g.padTop < 0 || g.padLeft < 0) return false;
  s.x = memory::desc({g.batch, g.inChannels, g.inHeight, g.inWidth}, Dt::f32, Tag::nhwc);
  s.w = memory::desc({g.outChannels, g.inChannels, g.filterHeight, g.filterWidth}, Dt::f32, Tag::hwio);
  s.y = memory::desc({g.batch, g.outChannels, g.outHeight, g.outWidth}, Dt::f32, Tag::nhwc);
  s.strides = {g.strideHeight, g.strideWidth};
  s.dilates = {g.dilationHeight - 1, g.dilationWidth - 1};  // oneDNN counts the gaps between taps
  s.padL = {g.padTop, g.padLeft};
  s.padR = {padBottom, padRight};
  return true;
}

/** A built primitive (none when oneDNN would run this geometry only with its reference loops), and the reorder
 * between the caller's HWIO filter and the primitive's own filter layout when they differ. */
struct Entry {
  std::unique_ptr<dnnl::primitive> primitive;
  std::unique_ptr<dnnl::reorder> reorder;
  std::unique_ptr<memory> filter;  // the filter (or its gradient) in the primitive's layout
};

void withFilterLayout(Entry& entry, const memory::desc& user, const memory::desc& wanted, bool toUser) {
  if (wanted == user) return;
  entry.filter = std::make_unique<memory>(wanted, engine());
  memory userMem(user, engine(), DNNL_MEMORY_NONE);
  entry.reorder = toUser ? std::make_unique<dnnl::reorder>(*entry.filter, userMem) : std::make_unique<dnnl::reorder>(userMem, *entry.filter);
}

bool usable(const dnnl::primitive_desc_base& pd) {
  const std::string impl = pd.impl_info_str();
  return impl.find("ref") == std::string::npos;
}

Entry build(const ConvGeometry& g, Kind kind) {
  Entry entry;
  Shapes s;
  if (!shapes(g, s)) return entry;
  const auto algo = dnnl::algorithm::convolution_direct;
  const memory::desc anyW({g.outChannels, g.inChannels, g.filterHeight, g.filterWidth}, Dt::f32, Tag::any);
  dnnl::convolution_forward::desc fd(dnnl::prop_kind::forward_training, algo, s.x, anyW, s.y, s.strides, s.dilates, s.padL, s.padR);
  dnnl::convolution_forward::primitive_desc fpd(fd, engine(), true);
  if (!fpd) return entry;
  if (kind == Kind::kForward) {
    if (!usable(fpd)) return entry;
    entry.primitive = std::make_unique<dnnl::convolution_forward>(fpd);
    withFilterLayout(entry, s.w, fpd.weights_desc(), false);
  } else if (kind == Kind::kBackwardData) {
    dnnl::convolution_backward_data::desc bd(algo, s.x, anyW, s.y, s.strides, s.dilates, s.padL, s.padR);
    dnnl::convolution_backward_data::primitive_desc bpd(bd, engine(), fpd, true);
    if (!bpd || !usable(bpd)) return entry;
    entry.primitive = std::make_unique<dnnl::convolution_backward_data>(bpd);
    withFilterLayout(entry, s.w, bpd.weights_desc(), false);
  } else {
    dnnl::convolution_backward_weights::desc wd(algo, s.x, anyW, s.y, s.strides, s.dilates, s.padL, s.padR);
    dnnl::convolution_backward_weights::primitive_desc wpd(wd, engine(), fpd, true);
    if (!wpd || !usable(wpd)) return entry;
    entry.primitive = std::make_unique<dnnl::convolution_backward_weights>(wpd);
    withFilterLayout(entry, s.w, wpd.diff_weights_desc(), true);
  }
  return entry;
}

const Entry& cached(const ConvGeometry& g, Kind kind) {
  using Key = std::array<int32_t, kConvGeometryFields + 1>;
  static std::map<Key, Entry> cache;
  Key key{};
  std::memcpy(key.data(), &g, sizeof(int32_t) * kConvGeometryFields);
  key[kConvGeometryFields] = static_cast<int32_t>(kind);
  auto it = cache.find(key);
  if (it == cache.end()) {
    try {
      it = cache.emplace(key, build(g, kind)).first;
    } catch (const dnnl::error&) {
      it = cache.emplace(key, Entry{}).first;
    }
  }
  return it->second;
}

bool run(const ConvGeometry& g, Kind kind, const float* x, const float* w, const float* y, int xArg, int wArg, int yArg) {
  const Entry& e = cached(g, kind);
  if (!e.primitive) return false;
  Shapes s;
  shapes(g, s);
  memory xm(s.x, engine(), const_cast<float*>(x));
  memory wm(s.w, engine(), const_cast<float*>(w));
  memory ym(s.y, engine(), const_cast<float*>(y));
  const bool gradient = kind == Kind::kBackwardWeights;
  if (e.reorder && !gradient) e.reorder->execute(stream(), wm, *e.filter);
  e.primitive->execute(stream(), {{xArg, xm}, {wArg, e.reorder ? *e.filter : wm}, {yArg, ym}});
  if (e.reorder && gradient) e.reorder->execute(stream(), *e.filter, wm);
  stream().wait();
  return true;
}

}  // namespace

bool dnnlConv2d(const ConvGeometry& g, const float* x, const float* filter, float* y) {
  return run(g, Kind::kForward, x, filter, y, DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST);
}

bool dnnlConv2dBackpropInput(const ConvGeometry& g, const float* dy, const float* filter, float* dx) {
  return run(g, Kind::kBackwardData, dx, filter, dy, DNNL_ARG_DIFF_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_DST);
}

bool dnnlConv2dBackpropFilter(const ConvGeometry& g, const float* x, const float* dy, float* dw) {
  return run(g, Kind::kBackwardWeights, x, dw, dy, DNNL_ARG_SRC, DNNL_ARG_DIFF_WEIGHTS, DNNL_ARG_DIFF_DST);
}

void dnnlSetThreads(int threads) { omp_set_num_threads(threads); }

std::string dnnlVersion() {
  const dnnl_version_t* v = dnnl_version();
  return "oneDNN " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch);
}

}  // namespace tfnative
