// torch.cat along the channels of channels-last 4-D CPU tensors, the concatenation that ends every
// DARTS cell; relu(cat) in one op (a cell's output as its readers take it); and the inverse of cat,
// a split along the channels into contiguous pieces. libtorch 1.13 copies each input into a strided
// slice of the output through a TensorIterator whose inner loop is one pixel's C channels (36
// floats at C=36), so its per-row overhead dominates: 4.5 ms for four 96×36×32×32 inputs, where one
// pass over the 57 MB costs about 2 ms. Here every output row (one pixel) is the inputs' rows side
// by side, copied with memcpy. A copy, so the values are at::cat's bit for bit; the gradients are
// at::cat's too, handed out as dense copies rather than slices (see ChannelsLastCat::backward).
// Anything else goes to at::cat.
#pragma GCC optimize("O3")  // the ReLU loops below vectorise at O3 (node-gyp builds at O2)
#include "handle.h"
#include <ATen/Parallel.h>
#include <ATen/record_function.h>
#include <torch/csrc/autograd/custom_function.h>
#include <cstring>

namespace dnas {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

bool fastPathApplies(const std::vector<at::Tensor>& xs, int64_t dim) {
  if (xs.size() < 2) return false;
  const at::Tensor& a = xs[0];
  if (a.dim() != 4 || (dim != 1 && dim != -3) || !a.device().is_cpu()) return false;
  for (const at::Tensor& x : xs) {
    if (x.dim() != 4 || !x.device().is_cpu() || x.scalar_type() != a.scalar_type() || !x.is_contiguous(at::MemoryFormat::ChannelsLast) ||
        x.size(0) != a.size(0) || x.size(2) != a.size(2) || x.size(3) != a.size(3) || x.numel() == 0)
      return false;
  }
  return true;
}

at::Tensor catRows(const std::vector<at::Tensor>& xs) {
  const at::Tensor& a = xs[0];
  int64_t channels = 0;
  for (const at::Tensor& x : xs) channels += x.size(1);
  at::Tensor out = at::empty({a.size(0), channels, a.size(2), a.size(3)}, a.options().memory_format(at::MemoryFormat::ChannelsLast));
  const int64_t rows = a.size(0) * a.size(2) * a.size(3);
  const size_t element = a.element_size();
  std::vector<const char*> sources;
  std::vector<size_t> widths;
  for (const at::Tensor& x : xs) {
    sources.push_back(static_cast<const char*>(x.data_ptr()));
    widths.push_back(static_cast<size_t>(x.size(1)) * element);
  }
  char* dest = static_cast<char*>(out.data_ptr());
  const size_t rowBytes = static_cast<size_t>(channels) * element;
  at::parallel_for(0, rows, 256, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
      char* d = dest + static_cast<size_t>(r) * rowBytes;
      for (size_t i = 0; i < sources.size(); i++) {
        std::memcpy(d, sources[i] + static_cast<size_t>(r) * widths[i], widths[i]);
        d += widths[i];
      }
    }
  });
  return out;
}

// Empty channels-last tensors with x's batch, height and width and the given channel counts.
std::vector<at::Tensor> channelPieces(const at::Tensor& x, const std::vector<int64_t>& widths) {
  std::vector<at::Tensor> pieces;
  for (int64_t w : widths) pieces.push_back(at::empty({x.size(0), w, x.size(2), x.size(3)}, x.options().memory_format(at::MemoryFormat::ChannelsLast)));
  return pieces;
}

// Each output row (pixel) of piece i is the input row's channels [offset_i, offset_i + width_i).
std::vector<at::Tensor> splitRows(const at::Tensor& x, const std::vector<int64_t>& widths) {
  const int64_t rows = x.size(0) * x.size(2) * x.size(3);
  const size_t element = x.element_size();
  const size_t rowBytes = static_cast<size_t>(x.size(1)) * element;
  std::vector<at::Tensor> outs = channelPieces(x, widths);
  std::vector<char*> dests;
  for (at::Tensor& o : outs) dests.push_back(static_cast<char*>(o.data_ptr()));
  const char* source = static_cast<const char*>(x.data_ptr());
  at::parallel_for(0, rows, 256, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
      const char* s = source + static_cast<size_t>(r) * rowBytes;
      for (size_t i = 0; i < widths.size(); i++) {
        const size_t bytes = static_cast<size_t>(widths[i]) * element;
        std::memcpy(dests[i] + static_cast<size_t>(r) * bytes, s, bytes);
        s += bytes;
      }
    }
  });
  return outs;
}

class ChannelsLastCat : public torch::autograd::Function<ChannelsLastCat> {
 public:
  static at::Tensor forward(AutogradContext* ctx, at::TensorList xsIn) {
    std::vector<int64_t> widths;
    for (const at::Tensor& x : xsIn) widths.push_back(x.size(1));
    ctx->saved_data["widths"] = widths;
    RECORD_FUNCTION("dnas::cat_channels_last", std::vector<c10::IValue>());  // not an aten op: name it in profiles
    return catRows(std::vector<at::Tensor>(xsIn.begin(), xsIn.end()));
  }

  static variable_list backward(AutogradContext* ctx, variable_list gradOutputs) {
    const auto widths = ctx->saved_data["widths"].toIntVector();
    variable_list grads(widths.size());
    if (!gradOutputs[0].defined()) return grads;
    const at::Tensor& g = gradOutputs[0];
    // First order: each input's gradient as a dense copy, all in one pass over g. A channel slice of
    // a channels-last tensor is slow to read (each pixel's few channels sit between the others', and
    // the prefetchers fetch those too): a 96×36×32×32 slice of 144 channels took a batch norm's
    // backward from 1.7 to 2.9 ms, reading it twice, and a copy of it 2.4 ms on its own.
    if (!at::GradMode::is_enabled() && g.dim() == 4 && g.is_contiguous(at::MemoryFormat::ChannelsLast)) {
      std::vector<at::Tensor> pieces = splitRows(g, widths);
      for (size_t i = 0; i < widths.size(); i++)
        if (ctx->needs_input_grad(i)) grads[i] = pieces[i];
      return grads;
    }
    int64_t offset = 0;
    for (size_t i = 0; i < widths.size(); i++) {
      if (ctx->needs_input_grad(i)) grads[i] = gradOutputs[0].narrow(1, offset, widths[i]);
      offset += widths[i];
    }
    return grads;
  }
};

// The pieces are copies, so each gets its own storage and autograd history; the backward joins
// their gradients (zeros for a piece that got none) with the row copy of catRows.
class ChannelsLastSplit : public torch::autograd::Function<ChannelsLastSplit> {
 public:
  static variable_list forward(AutogradContext* ctx, const at::Tensor& x, std::vector<int64_t> widths) {
    ctx->saved_data["widths"] = widths;
    RECORD_FUNCTION("dnas::split_channels_last", std::vector<c10::IValue>());  // not an aten op: name it in profiles
    return splitRows(x, widths);
  }

  static variable_list backward(AutogradContext* ctx, variable_list gradOutputs) {
    const auto widths = ctx->saved_data["widths"].toIntVector();
    std::vector<at::Tensor> pieces;
    const at::Tensor* shaped = nullptr;
    for (const at::Tensor& g : gradOutputs)
      if (g.defined()) shaped = &g;
    if (shaped == nullptr) return {at::Tensor(), at::Tensor()};
    for (size_t i = 0; i < widths.size(); i++) {
      const at::Tensor& g = gradOutputs[i];
      const auto layout = at::MemoryFormat::ChannelsLast;
      pieces.push_back(g.defined() ? g.contiguous(layout)
                                   : at::zeros({shaped->size(0), widths[i], shaped->size(2), shaped->size(3)}, shaped->options().memory_format(layout)));
    }
    // Under create_graph the join must itself be differentiable: libtorch's cat records its graph.
    return {at::GradMode::is_enabled() ? at::cat(pieces, 1) : catRows(pieces), at::Tensor()};
  }
};

// relu in place over n values: v < 0 ? 0 : v, at::relu's value (NaN and −0 kept).
template <typename T>
__attribute__((target_clones("avx2", "default"))) static void reluInPlace(T* __restrict v, int64_t n) {
  for (int64_t i = 0; i < n; i++) v[i] = v[i] < T(0) ? T(0) : v[i];
}

// dest = threshold_backward(g, out, 0) over n values: g where out > 0 (or NaN), else 0.
template <typename T>
__attribute__((target_clones("avx2", "default"))) static void maskGradient(const T* __restrict g, const T* __restrict out, T* __restrict dest,
                                                                            int64_t n) {
  for (int64_t i = 0; i < n; i++) dest[i] = out[i] <= T(0) ? T(0) : g[i];
}

// relu(cat(xs)) in one pass over memory: a block of rows is concatenated as catRows does (one
// memcpy per input row: a pixel's 36 channels are too short a loop to vectorise well), then the
// ReLU runs over the block while it is still in cache.
template <typename T>
void reluCatRows(const std::vector<at::Tensor>& xs, at::Tensor& out) {
  const int64_t rows = out.size(0) * out.size(2) * out.size(3), C = out.size(1);
  std::vector<const T*> sources;
  std::vector<int64_t> widths;
  for (const at::Tensor& x : xs) {
    sources.push_back(x.data_ptr<T>());
    widths.push_back(x.size(1));
  }
  T* dest = out.data_ptr<T>();
  at::parallel_for(0, rows, 256, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
      T* d = dest + r * C;
      for (size_t i = 0; i < sources.size(); i++) {
        std::memcpy(d, sources[i] + r * widths[i], static_cast<size_t>(widths[i]) * sizeof(T));
        d += widths[i];
      }
    }
    reluInPlace<T>(dest + begin * C, (end - begin) * C);
  });
}

// The backward: threshold_backward(g, out, 0) split along the channels, block by block: the masked
// gradient of a block of rows goes to a per-thread buffer, and its rows are copied out to the pieces.
template <typename T>
std::vector<at::Tensor> maskedSplitRows(const at::Tensor& g, const at::Tensor& out, const std::vector<int64_t>& widths) {
  const int64_t rows = g.size(0) * g.size(2) * g.size(3), C = g.size(1);
  std::vector<at::Tensor> pieces = channelPieces(g, widths);
  std::vector<T*> dests;
  for (at::Tensor& piece : pieces) dests.push_back(piece.data_ptr<T>());
  const T* gp = g.data_ptr<T>();
  const T* op = out.data_ptr<T>();
  const int64_t kRows = std::max<int64_t>(1, 16384 / C);  // 64 KiB blocks of float: cache-resident, below malloc's mmap threshold
  at::parallel_for(0, rows, kRows, [&](int64_t begin, int64_t end) {
    std::vector<T> block(static_cast<size_t>(std::min(kRows, end - begin) * C));
    for (int64_t r0 = begin; r0 < end; r0 += kRows) {
      const int64_t r1 = std::min(end, r0 + kRows);
      maskGradient<T>(gp + r0 * C, op + r0 * C, block.data(), (r1 - r0) * C);
      for (int64_t r = r0; r < r1; r++) {
        const T* b = block.data() + (r - r0) * C;
        for (size_t i = 0; i < widths.size(); i++) {
          std::memcpy(dests[i] + r * widths[i], b, static_cast<size_t>(widths[i]) * sizeof(T));
          b += widths[i];
        }
      }
    }
  });
  return pieces;
}

class ChannelsLastReLUCat : public torch::autograd::Function<ChannelsLastReLUCat> {
 public:
  static at::Tensor forward(AutogradContext* ctx, at::TensorList xsIn) {
    std::vector<int64_t> widths;
    int64_t channels = 0;
    for (const at::Tensor& x : xsIn) {
      widths.push_back(x.size(1));
      channels += x.size(1);
    }
    RECORD_FUNCTION("dnas::relu_cat_channels_last", std::vector<c10::IValue>());  // not an aten op: name it in profiles
    const at::Tensor& a = xsIn[0];
    at::Tensor out = at::empty({a.size(0), channels, a.size(2), a.size(3)}, a.options().memory_format(at::MemoryFormat::ChannelsLast));
    const std::vector<at::Tensor> xs(xsIn.begin(), xsIn.end());
    AT_DISPATCH_FLOATING_TYPES(a.scalar_type(), "reluCat", [&] { reluCatRows<scalar_t>(xs, out); });
    ctx->saved_data["widths"] = widths;
    ctx->save_for_backward({out});
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list gradOutputs) {
    const auto widths = ctx->saved_data["widths"].toIntVector();
    variable_list grads(widths.size());
    if (!gradOutputs[0].defined()) return grads;
    const at::Tensor out = ctx->get_saved_variables()[0];
    if (at::GradMode::is_enabled()) {
      // create_graph: differentiable ops (threshold_backward has its own derivative).
      const at::Tensor masked = at::threshold_backward(gradOutputs[0], out, 0);
      int64_t offset = 0;
      for (size_t i = 0; i < widths.size(); i++) {
        if (ctx->needs_input_grad(i)) grads[i] = masked.narrow(1, offset, widths[i]);
        offset += widths[i];
      }
      return grads;
    }
    const at::Tensor g = gradOutputs[0].contiguous(at::MemoryFormat::ChannelsLast);
    std::vector<at::Tensor> pieces;
    AT_DISPATCH_FLOATING_TYPES(g.scalar_type(), "reluCat backward", [&] { pieces = maskedSplitRows<scalar_t>(g, out, widths); });
    for (size_t i = 0; i < widths.size(); i++)
      if (ctx->needs_input_grad(i)) grads[i] = pieces[i];
    return grads;
  }
};

}  // namespace

// reluCat(xs[], dim, rowCopy): relu(cat(xs, dim)), a DARTS cell's output as every reader but the
// classifier takes it. Channels-last float inputs along dim 1 take one pass each way; anything else
// (or rowCopy false) libtorch's cat then relu.
DNAS_FN(reluCat) {
  return guarded(info, [&]() -> Napi::Value {
    const std::vector<at::Tensor> xs = tensorListArg(info, 0);
    const int64_t dim = intArg(info, 1);
    const bool floating = !xs.empty() && (xs[0].scalar_type() == at::kFloat || xs[0].scalar_type() == at::kDouble);
    if (!boolArg(info, 2) || !floating || !fastPathApplies(xs, dim)) return wrap(info.Env(), at::relu(at::cat(xs, dim)));
    return wrap(info.Env(), ChannelsLastReLUCat::apply(at::TensorList(xs)));
  });
}

// splitChannels(x, widths[]): x split along dim 1 into contiguous pieces of the given widths, in x's
// memory format. A channels-last 4-D CPU tensor takes the row copy; anything else libtorch's split
// and contiguous.
DNAS_FN(splitChannels) {
  return guarded(info, [&]() -> Napi::Value {
    const at::Tensor& x = tensorArg(info, 0);
    const std::vector<int64_t> widths = intListArg(info, 1);
    int64_t total = 0;
    for (int64_t w : widths) {
      TORCH_CHECK(w > 0, "splitChannels: widths must be positive, got ", w);
      total += w;
    }
    TORCH_CHECK(x.dim() >= 2 && total == x.size(1), "splitChannels: widths add up to ", total, " but the input has ",
                x.dim() >= 2 ? x.size(1) : 0, " channels");
    const bool rows = x.dim() == 4 && x.device().is_cpu() && x.numel() > 0 && x.is_contiguous(at::MemoryFormat::ChannelsLast);
    if (rows) return wrapList(info.Env(), ChannelsLastSplit::apply(x, widths));
    std::vector<at::Tensor> pieces;
    for (const at::Tensor& p : at::split_with_sizes(x, widths, 1)) pieces.push_back(p.contiguous(x.suggest_memory_format()));
    return wrapList(info.Env(), pieces);
  });
}

// cat(xs[], dim, rowCopy): rowCopy false always takes at::cat (torch.backends.channelsLastCat).
DNAS_FN(cat) {
  return guarded(info, [&]() -> Napi::Value {
    const std::vector<at::Tensor> xs = tensorListArg(info, 0);
    const int64_t dim = intArg(info, 1);
    if (!boolArg(info, 2) || !fastPathApplies(xs, dim)) return wrap(info.Env(), at::cat(xs, dim));
    return wrap(info.Env(), ChannelsLastCat::apply(at::TensorList(xs)));  // a TensorList, so autograd sees its tensors
  });
}

void registerCatOps(Napi::Env env, Napi::Object exports) {
  DNAS_EXPORT(cat);
  DNAS_EXPORT(reluCat);
  DNAS_EXPORT(splitChannels);
}

}  // namespace dnas
