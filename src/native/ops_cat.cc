// torch.cat along the channels of channels-last 4-D CPU tensors, the concatenation that ends every
// DARTS cell. libtorch 1.13 copies each input into a strided slice of the output through a
// TensorIterator whose inner loop is one pixel's C channels (36 floats at C=36), so its per-row
// overhead dominates: 4.5 ms for four 96×36×32×32 inputs, where one pass over the 57 MB costs about
// 2 ms. Here every output row (one pixel) is the inputs' rows side by side, copied with memcpy. A
// copy, so the values are at::cat's bit for bit; the gradients are slices of the output gradient,
// as at::cat's own backward gives. Anything else goes to at::cat.
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
    int64_t offset = 0;
    for (size_t i = 0; i < widths.size(); i++) {
      if (ctx->needs_input_grad(i)) grads[i] = gradOutputs[0].narrow(1, offset, widths[i]);
      offset += widths[i];
    }
    return grads;
  }
};

}  // namespace

// cat(xs[], dim, rowCopy): rowCopy false always takes at::cat (torch.backends.channelsLastCat).
DNAS_FN(cat) {
  return guarded(info, [&]() -> Napi::Value {
    const std::vector<at::Tensor> xs = tensorListArg(info, 0);
    const int64_t dim = intArg(info, 1);
    if (!boolArg(info, 2) || !fastPathApplies(xs, dim)) return wrap(info.Env(), at::cat(xs, dim));
    return wrap(info.Env(), ChannelsLastCat::apply(at::TensorList(xs)));  // a TensorList, so autograd sees its tensors
  });
}

void registerCatOps(Napi::Env env, Napi::Object exports) { DNAS_EXPORT(cat); }

}  // namespace dnas
