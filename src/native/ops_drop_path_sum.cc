// A node of a trained DARTS cell with drop path: h = a / da[n] + b / db[n], where da and db hold one
// divisor per sample ((1−p)/m with m the sample's Bernoulli draw, as nn.dropPath computes it; a
// missing one means no drop path on that input, the identity op's case). Composed from tensor ops
// it is two divisions and an addition, each a pass over memory with its own output (seven passes
// forward, four backward); here one pass reads a and b and writes h, and the backward reads the
// gradient once and writes both input gradients. Each term is computed as the composition computes
// it, so values and gradients equal it bit for bit. CPU float32/float64 with a and b of one shape
// and layout (contiguous or channels-last); src/nn/drop-path.ts composes it otherwise.
#pragma GCC optimize("O3")
#include "handle.h"
#include <ATen/Parallel.h>
#include <ATen/record_function.h>
#include <torch/csrc/autograd/custom_function.h>

namespace dnas {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

at::MemoryFormat layoutOf(const at::Tensor& t) {
  return t.dim() == 4 && t.is_contiguous(at::MemoryFormat::ChannelsLast) && !t.is_contiguous() ? at::MemoryFormat::ChannelsLast
                                                                                               : at::MemoryFormat::Contiguous;
}

bool kernelApplies(const at::Tensor& a, const at::Tensor& b, const c10::optional<at::Tensor>& da, const c10::optional<at::Tensor>& db) {
  if (!a.device().is_cpu() || a.sizes() != b.sizes() || a.scalar_type() != b.scalar_type() || a.dim() < 1 || a.numel() == 0) return false;
  if (a.scalar_type() != at::kFloat && a.scalar_type() != at::kDouble) return false;
  const at::MemoryFormat format = layoutOf(a);
  if (!a.is_contiguous(format) || !b.is_contiguous(format)) return false;
  for (const auto& d : {da, db}) {
    if (d && (d->numel() != a.size(0) || d->scalar_type() != a.scalar_type() || !d->device().is_cpu() || d->requires_grad())) return false;
  }
  return true;
}

// out = x / d[n], sample by sample.
template <typename T>
void divideSamples(const T* __restrict x, const T* __restrict d, T* __restrict out, int64_t samples, int64_t perSample) {
  at::parallel_for(0, samples * perSample, 16384, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end;) {
      const int64_t n = i / perSample, stop = std::min(end, (n + 1) * perSample);
      const T dn = d[n];
      for (; i < stop; i++) out[i] = x[i] / dn;
    }
  });
}

template <typename T>
void sumOfQuotients(const T* __restrict a, const T* __restrict da, const T* __restrict b, const T* __restrict db, T* __restrict out,
                    int64_t samples, int64_t perSample) {
  at::parallel_for(0, samples * perSample, 16384, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end;) {
      const int64_t n = i / perSample, stop = std::min(end, (n + 1) * perSample);
      const T an = da ? da[n] : T(1), bn = db ? db[n] : T(1);
      if (da && db) {
        for (; i < stop; i++) out[i] = a[i] / an + b[i] / bn;
      } else if (da) {
        for (; i < stop; i++) out[i] = a[i] / an + b[i];
      } else {
        for (; i < stop; i++) out[i] = a[i] + b[i] / bn;
      }
    }
  });
}

// autograd's custom functions take no undefined tensors: an empty one stands for "no divisor".
bool present(const at::Tensor& divisors) { return divisors.numel() > 0; }

class DropPathSum : public torch::autograd::Function<DropPathSum> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& a, const at::Tensor& b, const at::Tensor& da, const at::Tensor& db) {
    RECORD_FUNCTION("dnas::drop_path_sum", std::vector<c10::IValue>());  // not an aten op: name it in profiles
    ctx->save_for_backward({da, db});
    ctx->saved_data["format"] = static_cast<int64_t>(layoutOf(a));
    at::Tensor out = at::empty_like(a, a.options(), layoutOf(a));
    const int64_t samples = a.size(0), perSample = a.numel() / samples;
    AT_DISPATCH_FLOATING_TYPES(a.scalar_type(), "dropPathSum", [&] {
      sumOfQuotients<scalar_t>(a.data_ptr<scalar_t>(), present(da) ? da.data_ptr<scalar_t>() : nullptr, b.data_ptr<scalar_t>(),
                               present(db) ? db.data_ptr<scalar_t>() : nullptr, out.data_ptr<scalar_t>(), samples, perSample);
    });
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list gradOutputs) {
    const auto saved = ctx->get_saved_variables();
    const at::Tensor &da = saved[0], &db = saved[1];
    variable_list grads(4);
    const at::Tensor& g = gradOutputs[0];
    if (!g.defined()) return grads;
    const auto gradFor = [&](const at::Tensor& d) -> at::Tensor {
      if (!present(d)) return g;  // no drop path on this input: the addition hands the gradient on
      std::vector<int64_t> shape(static_cast<size_t>(g.dim()), 1);
      shape[0] = g.size(0);
      // create_graph needs a differentiable op; a strided gradient (a slice of the cell's
      // concatenation, for most nodes) is divided where it lies rather than copied first.
      const auto format = static_cast<at::MemoryFormat>(ctx->saved_data["format"].toInt());
      if (at::GradMode::is_enabled() || !g.device().is_cpu() || !g.is_contiguous(format)) return g / d.view(shape);
      at::Tensor out = at::empty_like(g);
      AT_DISPATCH_FLOATING_TYPES(g.scalar_type(), "dropPathSum backward", [&] {
        divideSamples<scalar_t>(g.data_ptr<scalar_t>(), d.data_ptr<scalar_t>(), out.data_ptr<scalar_t>(), g.size(0), g.numel() / g.size(0));
      });
      return out;
    };
    if (ctx->needs_input_grad(0)) grads[0] = gradFor(da);
    if (ctx->needs_input_grad(1)) grads[1] = gradFor(db);
    return grads;
  }
};

}  // namespace

// dropPathSum(a, da|null, b, db|null, fused): a / da[n] + b / db[n]; null divisors mean no drop path.
// Returns null where the kernel does not apply (the caller composes it from tensor ops).
DNAS_FN(dropPathSum) {
  return guarded(info, [&]() -> Napi::Value {
    const at::Tensor& a = tensorArg(info, 0);
    const c10::optional<at::Tensor> da = optionalTensorArg(info, 1);
    const at::Tensor& b = tensorArg(info, 2);
    const c10::optional<at::Tensor> db = optionalTensorArg(info, 3);
    if ((!da && !db) || !kernelApplies(a, b, da, db)) return info.Env().Null();
    const at::Tensor none = at::empty({0}, a.options());
    return wrap(info.Env(), DropPathSum::apply(a, b, da ? da->reshape({-1}).contiguous() : none, db ? db->reshape({-1}).contiguous() : none));
  });
}

void registerDropPathSumOps(Napi::Env env, Napi::Object exports) { DNAS_EXPORT(dropPathSum); }

}  // namespace dnas
