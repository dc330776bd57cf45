// weightedSum(xs, w) = Σ_i w[i] · xs[i]: a weighted sum of same-shaped tensors in one pass.
//
// Why: a supernet edge mixes up to 8 op outputs with its architecture weights. As separate
// libtorch ops that is one multiply per op and one addition per op after the first, each a pass
// over a full activation; the backward adds per op a multiply for the input gradient, a product
// and a full reduction for the weight gradient. Fused, the forward reads each input once and
// writes once, and the backward reads the output gradient and each input once.
//
// Values: the forward computes ((w0·x0 + w1·x1) + w2·x2) + …, each product and sum rounded as the
// separate ops round them (no fused multiply-add), so it equals the unfused sum bit for bit. The
// input gradients g·w[i] do too. The weight gradient Σ g·x_i is summed in double, in blocks whose
// order depends on the shape only: not libtorch's float summation order, and more precise.
//
// Higher order: under create_graph the backward is built from differentiable libtorch ops.
#pragma GCC optimize("O3")
#include "handle.h"
#include <ATen/Parallel.h>
#include <ATen/record_function.h>
#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>

namespace dnas {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

constexpr int64_t kChunk = 4096;  // elements per block of work; fits L1 for a few streams

// out[e] = Σ_i w[i]·x_i[e], summed left to right, over elements [begin, end).
template <typename T>
__attribute__((target_clones("avx2", "default"))) static void sumChunk(const T* const* xs, const T* w, int64_t k, T* __restrict out,
                                                                        int64_t begin, int64_t end) {
  const T* __restrict x0 = xs[0];
  const T w0 = w[0];
  for (int64_t e = begin; e < end; e++) out[e] = x0[e] * w0;
  for (int64_t i = 1; i < k; i++) {
    const T* __restrict xi = xs[i];
    const T wi = w[i];
    for (int64_t e = begin; e < end; e++) out[e] = out[e] + xi[e] * wi;
  }
}

// gx_i[e] = g[e]·w[i] for the inputs that want a gradient; dots[i] += Σ g[e]·x_i[e] when wanted.
template <typename T>
__attribute__((target_clones("avx2", "default"))) static void backwardChunk(const T* __restrict g, const T* const* xs, const T* w, int64_t k,
                                                                             T* const* gxs, double* dots, int64_t begin, int64_t end) {
  for (int64_t i = 0; i < k; i++) {
    if (gxs[i]) {
      T* __restrict gx = gxs[i];
      const T wi = w[i];
      for (int64_t e = begin; e < end; e++) gx[e] = g[e] * wi;
    }
    if (dots) {
      const T* __restrict xi = xs[i];
      // 16 float lanes, flushed into double every 16 products per lane.
      constexpr int64_t L = 16, B = 16;
      double total = 0;
      int64_t e = begin;
      for (; e + L * B <= end; e += L * B) {
        T lanes[L] = {};
        for (int64_t j = 0; j < B; j++)
          for (int64_t l = 0; l < L; l++) lanes[l] += g[e + j * L + l] * xi[e + j * L + l];
        for (int64_t l = 0; l < L; l++) total += static_cast<double>(lanes[l]);
      }
      for (; e < end; e++) total += static_cast<double>(g[e] * xi[e]);
      dots[i] += total;
    }
  }
}

// Shapes and the weights' length are checked by the caller; the kernels need CPU tensors of one
// floating type.
bool kernelApplies(at::TensorList xs, const at::Tensor& w) {
  const at::Tensor& x0 = xs[0];
  if (!w.device().is_cpu() || (x0.scalar_type() != at::kFloat && x0.scalar_type() != at::kDouble)) return false;
  for (const at::Tensor& x : xs)
    if (x.scalar_type() != x0.scalar_type() || !x.device().is_cpu()) return false;
  return true;
}

// The inputs in one memory layout (the first's), as the kernels read them flat.
std::vector<at::Tensor> sameLayout(at::TensorList xs) {
  const auto format = xs[0].suggest_memory_format();
  std::vector<at::Tensor> out;
  out.reserve(xs.size());
  for (const at::Tensor& x : xs) out.push_back(x.contiguous(format));
  return out;
}

at::Tensor unfusedSum(at::TensorList xs, const at::Tensor& w) {
  at::Tensor out = xs[0] * w.select(0, 0);
  for (size_t i = 1; i < xs.size(); i++) out = out + xs[i] * w.select(0, static_cast<int64_t>(i));
  return out;
}

at::Tensor fusedForward(at::TensorList xsIn, const at::Tensor& w) {
  const std::vector<at::Tensor> xs = sameLayout(xsIn);
  const int64_t k = static_cast<int64_t>(xs.size());
  const int64_t n = xs[0].numel();
  at::Tensor out = at::empty_like(xs[0]);
  AT_DISPATCH_FLOATING_TYPES(xs[0].scalar_type(), "weightedSum", [&] {
    const at::Tensor wv = w.detach().to(xs[0].scalar_type()).contiguous();
    std::vector<const scalar_t*> ptrs;
    for (const at::Tensor& x : xs) ptrs.push_back(x.data_ptr<scalar_t>());
    const scalar_t* wp = wv.data_ptr<scalar_t>();
    scalar_t* op = out.data_ptr<scalar_t>();
    at::parallel_for(0, n, kChunk, [&](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; b += kChunk) sumChunk<scalar_t>(ptrs.data(), wp, k, op, b, std::min(end, b + kChunk));
    });
  });
  return out;
}

class WeightedSum : public torch::autograd::Function<WeightedSum> {
 public:
  static at::Tensor forward(AutogradContext* ctx, at::TensorList xs, const at::Tensor& w) {
    // The inputs are needed only for the weight gradient.
    std::vector<at::Tensor> saved;
    if (w.requires_grad()) saved = sameLayout(xs);
    saved.push_back(w);
    ctx->save_for_backward(saved);
    ctx->saved_data["k"] = static_cast<int64_t>(xs.size());
    return fusedForward(xs, w);
  }

  static variable_list backward(AutogradContext* ctx, variable_list gradOutputs) {
    const auto saved = ctx->get_saved_variables();
    const int64_t k = ctx->saved_data["k"].toInt();
    const at::Tensor& w = saved.back();
    const bool wantWeights = ctx->needs_input_grad(static_cast<size_t>(k));
    variable_list grads(static_cast<size_t>(k) + 1);
    if (!gradOutputs[0].defined()) return grads;

    if (at::GradMode::is_enabled()) {
      // create_graph: differentiable ops.
      const at::Tensor& g = gradOutputs[0];
      std::vector<at::Tensor> dots;
      for (int64_t i = 0; i < k; i++) {
        if (ctx->needs_input_grad(static_cast<size_t>(i))) grads[i] = g * w.select(0, i);
        if (wantWeights) dots.push_back((g * saved[i]).sum());
      }
      if (wantWeights) grads[k] = at::stack(dots).to(w.scalar_type());
      return grads;
    }

    const auto format = wantWeights ? saved[0].suggest_memory_format() : gradOutputs[0].suggest_memory_format();
    const at::Tensor g = gradOutputs[0].contiguous(format);
    const int64_t n = g.numel();
    // Blocks of the weight-gradient sums: a function of the size alone, so the summation order
    // does not depend on the thread count.
    const int64_t blocks = std::max<int64_t>(1, std::min<int64_t>(64, n / (4 * kChunk)));
    std::vector<double> partial(wantWeights ? static_cast<size_t>(blocks * k) : 0, 0.0);
    AT_DISPATCH_FLOATING_TYPES(g.scalar_type(), "weightedSum backward", [&] {
      const at::Tensor wv = w.detach().to(g.scalar_type()).contiguous();
      std::vector<const scalar_t*> xs(static_cast<size_t>(k), nullptr);
      std::vector<scalar_t*> gxs(static_cast<size_t>(k), nullptr);
      for (int64_t i = 0; i < k; i++) {
        if (wantWeights) xs[i] = saved[i].data_ptr<scalar_t>();
        if (ctx->needs_input_grad(static_cast<size_t>(i))) {
          grads[i] = at::empty_like(g);
          gxs[i] = grads[i].data_ptr<scalar_t>();
        }
      }
      const scalar_t* gp = g.data_ptr<scalar_t>();
      const scalar_t* wp = wv.data_ptr<scalar_t>();
      at::parallel_for(0, blocks, 1, [&](int64_t b0, int64_t b1) {
        for (int64_t b = b0; b < b1; b++) {
          const int64_t begin = n * b / blocks, end = n * (b + 1) / blocks;
          for (int64_t c = begin; c < end; c += kChunk)
            backwardChunk<scalar_t>(gp, xs.data(), wp, k, gxs.data(), wantWeights ? &partial[b * k] : nullptr, c, std::min(end, c + kChunk));
        }
      });
    });
    if (wantWeights) {
      at::Tensor gw = at::zeros({k}, at::TensorOptions().dtype(at::kDouble));
      double* gwp = gw.data_ptr<double>();
      for (int64_t b = 0; b < blocks; b++)
        for (int64_t i = 0; i < k; i++) gwp[i] += partial[b * k + i];
      grads[k] = gw.to(w.scalar_type());
    }
    return grads;
  }
};

}  // namespace

// weightedSum(xs[], w): Σ_i w[i] · xs[i] for same-shaped tensors xs and a 1-D w with one weight each.
DNAS_FN(weightedSum) {
  return guarded(info, [&]() -> Napi::Value {
    const std::vector<at::Tensor> xs = tensorListArg(info, 0);
    const at::Tensor& w = tensorArg(info, 1);
    TORCH_CHECK(!xs.empty(), "weightedSum: expected at least one tensor");
    TORCH_CHECK(w.dim() == 1 && w.size(0) == static_cast<int64_t>(xs.size()), "weightedSum: expected one weight per tensor (", xs.size(),
                "), got weights of shape ", w.sizes());
    for (const at::Tensor& x : xs)
      TORCH_CHECK(x.sizes() == xs[0].sizes(), "weightedSum: every tensor must have the shape of the first, ", xs[0].sizes(), ", got ", x.sizes());
    if (!kernelApplies(xs, w)) return wrap(info.Env(), unfusedSum(xs, w));
    RECORD_FUNCTION("dnas::weighted_sum", std::vector<c10::IValue>({w}));  // our kernel is not an aten op: name it in profiles
    const bool recordGraph =
        at::GradMode::is_enabled() && (w.requires_grad() || std::any_of(xs.begin(), xs.end(), [](const at::Tensor& x) { return x.requires_grad(); }));
    if (!recordGraph) return wrap(info.Env(), fusedForward(xs, w));
    return wrap(info.Env(), WeightedSum::apply(at::TensorList(xs), w));  // as a TensorList: each tensor an autograd input
  });
}

void registerWeightedSumOps(Napi::Env env, Napi::Object exports) { DNAS_EXPORT(weightedSum); }

}  // namespace dnas
