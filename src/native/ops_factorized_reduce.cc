// The two inputs of a FactorizedReduce (DARTS' strided skip): x[:, :, 0::2, 0::2] and
// x[:, :, 1::2, 1::2], as dense channels-last tensors, for its two 1×1 convolutions to run at
// stride 1. Composed from slices, the second input's backward is two slice_backwards (a zero-filled
// x-sized tensor and a copy each) and the sum with the first conv's x-sized input gradient: about
// 20 ms per FactorizedReduce of a 96×144×32×32 input. Here the backward writes the input gradient
// once: pixel (2i, 2j) takes the first gradient, (2i+1, 2j+1) the second, every other pixel 0.
// Channels-last CPU tensors of even height and width; src/nas/spaces/darts-ops.ts slices otherwise.
#include "handle.h"
#include <ATen/Parallel.h>
#include <ATen/record_function.h>
#include <torch/csrc/autograd/custom_function.h>
#include <cstring>

namespace dnas {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Output pixel p = (n, i, j) of either half reads input pixel (n, 2i + k, 2j + k), k = 0 or 1.
int64_t sourcePixel(int64_t p, int64_t halfH, int64_t halfW, int64_t k) {
  const int64_t n = p / (halfH * halfW), i = (p / halfW) % halfH, j = p % halfW;
  return (n * 2 * halfH + 2 * i + k) * 2 * halfW + 2 * j + k;
}

class FactorizedReduceInputs : public torch::autograd::Function<FactorizedReduceInputs> {
 public:
  static variable_list forward(AutogradContext* ctx, const at::Tensor& x) {
    RECORD_FUNCTION("dnas::factorized_reduce_inputs", std::vector<c10::IValue>());  // not an aten op: name it in profiles
    const int64_t N = x.size(0), C = x.size(1), halfH = x.size(2) / 2, halfW = x.size(3) / 2;
    const auto options = x.options().memory_format(at::MemoryFormat::ChannelsLast);
    at::Tensor even = at::empty({N, C, halfH, halfW}, options), odd = at::empty({N, C, halfH, halfW}, options);
    const size_t row = static_cast<size_t>(C) * x.element_size();
    const char* src = static_cast<const char*>(x.data_ptr());
    char* e = static_cast<char*>(even.data_ptr());
    char* o = static_cast<char*>(odd.data_ptr());
    at::parallel_for(0, N * halfH * halfW, 256, [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; p++) {
        std::memcpy(e + p * row, src + sourcePixel(p, halfH, halfW, 0) * row, row);
        std::memcpy(o + p * row, src + sourcePixel(p, halfH, halfW, 1) * row, row);
      }
    });
    ctx->saved_data["sizes"] = x.sizes().vec();
    return {even, odd};
  }

  static variable_list backward(AutogradContext* ctx, variable_list gradOutputs) {
    const auto sizes = ctx->saved_data["sizes"].toIntVector();
    const at::Tensor& gEven = gradOutputs[0];
    const at::Tensor& gOdd = gradOutputs[1];
    const at::Tensor& like = gEven.defined() ? gEven : gOdd;
    if (!like.defined()) return {at::Tensor()};
    const auto layout = at::MemoryFormat::ChannelsLast;
    if (at::GradMode::is_enabled()) {
      // create_graph: differentiable ops, so the gradient records a graph.
      at::Tensor dx = at::zeros(sizes, like.options().memory_format(layout));
      if (gEven.defined()) dx.slice(2, 0, c10::nullopt, 2).slice(3, 0, c10::nullopt, 2).copy_(gEven);
      if (gOdd.defined()) dx.slice(2, 1, c10::nullopt, 2).slice(3, 1, c10::nullopt, 2).copy_(gOdd);
      return {dx};
    }
    const at::Tensor ge = gEven.defined() ? gEven.contiguous(layout) : at::Tensor();
    const at::Tensor go = gOdd.defined() ? gOdd.contiguous(layout) : at::Tensor();
    at::Tensor dx = at::empty(sizes, like.options().memory_format(layout));
    const int64_t N = sizes[0], C = sizes[1], H = sizes[2], W = sizes[3];
    const size_t row = static_cast<size_t>(C) * dx.element_size();
    const char* e = ge.defined() ? static_cast<const char*>(ge.data_ptr()) : nullptr;
    const char* o = go.defined() ? static_cast<const char*>(go.data_ptr()) : nullptr;
    char* d = static_cast<char*>(dx.data_ptr());
    at::parallel_for(0, N * H * W, 256, [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; p++) {
        const int64_t h = (p / W) % H, w = p % W, n = p / (H * W);
        const int64_t half = (n * (H / 2) + h / 2) * (W / 2) + w / 2;  // the pixel of either half at (h/2, w/2)
        const char* from = h % 2 == 0 && w % 2 == 0 ? e : h % 2 == 1 && w % 2 == 1 ? o : nullptr;  // null: a pixel neither conv reads
        if (from) {
          std::memcpy(d + p * row, from + half * row, row);
        } else {
          std::memset(d + p * row, 0, row);  // all-zero bits: +0.0 in float and double
        }
      }
    });
    return {dx};
  }
};

}  // namespace

// factorizedReduceInputs(x): [x[:, :, 0::2, 0::2], x[:, :, 1::2, 1::2]] as dense channels-last
// tensors, or null where the kernel does not apply (the caller slices then).
DNAS_FN(factorizedReduceInputs) {
  return guarded(info, [&]() -> Napi::Value {
    const at::Tensor& x = tensorArg(info, 0);
    const bool applies = x.dim() == 4 && x.device().is_cpu() && x.numel() > 0 && x.size(2) % 2 == 0 && x.size(3) % 2 == 0 &&
                         x.is_contiguous(at::MemoryFormat::ChannelsLast);
    if (!applies) return info.Env().Null();
    return wrapList(info.Env(), FactorizedReduceInputs::apply(x));
  });
}

void registerFactorizedReduceOps(Napi::Env env, Napi::Object exports) { DNAS_EXPORT(factorizedReduceInputs); }

}  // namespace dnas
