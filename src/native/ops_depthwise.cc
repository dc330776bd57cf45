// Depthwise convolution (groups == in channels == out channels) with a faster backward.
//
// Why: libtorch 1.13 on CPU computes a depthwise convolution's forward fast but its backward slowly
// (measured, 64×C×H×W channels-last, 2 threads: dilated 3×3 at C=16, H=32: forward 0.20 ms, input
// gradient 1.90 ms; dilated 5×5 at C=64, H=8: forward 0.07 ms, input gradient 0.96 ms). With stride
// 1 the input gradient is a transposed convolution with stride 1, i.e. the same depthwise
// convolution of the output gradient with the kernel flipped and padding dilation·(k−1)−padding;
// run that way it costs what a forward costs (0.19 / 0.08 ms), with the same values.
//
// With stride s > 1 and a dilated kernel the output gradient is first spread onto the input's grid
// (zeros between its values, the transposed convolution's own input), then convolved the same way:
// at stride 2 on 64×16×32×32, a dilated 3×3's input gradient took 13 ms in libtorch (forward 0.1 ms)
// and 1.7 ms this way. Undilated strided kernels stay on libtorch's input gradient, which is fast
// there (0.5 ms against 1.6 ms this way).
//
// The weight gradient, dW[c,i,j] = Σ_{n,h,w} dY[n,c,h,w] · X[n,c,h·s+i·d−p, w·s+j·d−p], is
// libtorch's convolution_backward when a graph must be recorded (create_graph) or the kernel is an
// undilated 3×3 (where libtorch's is fast), and otherwise a direct loop over channels-last rows
// (weightGradient below): libtorch 1.13 takes 10–30× its forward time for dilated and 5×5 kernels;
// weightGradient measured 2–4× faster there at C=16–32 and ~30× at C=64, H=8 (contended machine,
// interleaved A/B in bench/depthwise.bench.ts).
//
// Higher order: the backward is built only from differentiable ops (this same function for the
// input gradient, convolution_backward for the weight gradient, whose own derivative libtorch
// defines), so under create_graph it records a graph and second-order DARTS can differentiate
// through it. The recursion also makes the input gradient's own backward fast.
#include "handle.h"
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

namespace dnas {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Padding that turns the stride-1 transposed convolution into a plain convolution; negative when
// the forward's padding exceeds the kernel's reach, where the trick does not apply.
std::vector<int64_t> transposedPadding(const at::Tensor& weight, at::IntArrayRef padding, at::IntArrayRef dilation) {
  return {dilation[0] * (weight.size(2) - 1) - padding[0], dilation[1] * (weight.size(3) - 1) - padding[1]};
}

// Σ over one image of dY[h,w,:] ⊙ X[h·s+i·d−p, w·s+j·d−p, :] into acc[(i·kw+j)·C + c], both
// tensors channels-last. Channels go in blocks of 8 held in registers while a row of output columns
// streams past, so the accumulator is touched once per row rather than once per pixel (a per-pixel
// version measured 3× slower than libtorch at C=16). Built for AVX2+FMA too, picked at run time.
template <typename T>
__attribute__((target_clones("avx2,fma", "default"))) static void accumulateImage(
    const T* __restrict x, const T* __restrict g, T* __restrict acc, int64_t C, int64_t H, int64_t W, int64_t Ho, int64_t Wo, int64_t kh,
    int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw) {
  constexpr int64_t B = 8;
  for (int64_t oh = 0; oh < Ho; oh++) {
    for (int64_t i = 0; i < kh; i++) {
      const int64_t ih = oh * sh - ph + i * dh;
      if (ih < 0 || ih >= H) continue;
      for (int64_t j = 0; j < kw; j++) {
        T* __restrict a = acc + (i * kw + j) * C;
        // The output columns whose input column ow·sw + shift lies inside the image.
        const int64_t shift = j * dw - pw;
        const int64_t owBegin = shift >= 0 ? 0 : (-shift + sw - 1) / sw;
        const int64_t owEnd = W - 1 - shift < 0 ? 0 : std::min(Wo, (W - 1 - shift) / sw + 1);
        if (owBegin >= owEnd) continue;
        const T* __restrict g0 = g + (oh * Wo) * C;
        const T* __restrict x0 = x + (ih * W + shift) * C;
        const int64_t xStep = sw * C;
        int64_t c0 = 0;
        for (; c0 + B <= C; c0 += B) {
          T v[B] = {};
          for (int64_t ow = owBegin; ow < owEnd; ow++) {
            const T* __restrict gr = g0 + ow * C + c0;
            const T* __restrict xr = x0 + ow * xStep + c0;
            for (int64_t c = 0; c < B; c++) v[c] += gr[c] * xr[c];
          }
          for (int64_t c = 0; c < B; c++) a[c0 + c] += v[c];
        }
        for (; c0 < C; c0++) {
          T v = 0;
          for (int64_t ow = owBegin; ow < owEnd; ow++) v += g0[ow * C + c0] * x0[ow * xStep + c0];
          a[c0] += v;
        }
      }
    }
  }
}

// The depthwise weight gradient without recording a graph: images split across threads, each with
// its own accumulator, summed at the end. Returns [C, 1, kh, kw] in the weight's memory format.
at::Tensor weightGradient(const at::Tensor& input, const at::Tensor& gradOutput, const at::Tensor& weight, at::IntArrayRef stride,
                          at::IntArrayRef padding, at::IntArrayRef dilation) {
  const at::Tensor x = input.contiguous(at::MemoryFormat::ChannelsLast);
  const at::Tensor g = gradOutput.contiguous(at::MemoryFormat::ChannelsLast);
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t Ho = g.size(2), Wo = g.size(3), kh = weight.size(2), kw = weight.size(3);
  const int64_t threads = at::get_num_threads();
  at::Tensor partial = at::zeros({threads, kh, kw, C}, x.options());
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "depthwiseConv2d weight gradient", [&] {
    const scalar_t* xp = x.data_ptr<scalar_t>();
    const scalar_t* gp = g.data_ptr<scalar_t>();
    scalar_t* pp = partial.data_ptr<scalar_t>();
    at::parallel_for(0, N, 1, [&](int64_t begin, int64_t end) {
      scalar_t* acc = pp + at::get_thread_num() * kh * kw * C;
      for (int64_t n = begin; n < end; n++) {
        accumulateImage<scalar_t>(xp + n * H * W * C, gp + n * Ho * Wo * C, acc, C, H, W, Ho, Wo, kh, kw, stride[0], stride[1], padding[0],
                                  padding[1], dilation[0], dilation[1]);
      }
    });
  });
  // [kh, kw, C] → [C, 1, kh, kw]
  return partial.sum(0).permute({2, 0, 1}).unsqueeze(1).contiguous(weight.suggest_memory_format());
}

// The output gradient placed on the stride-1 grid that the flipped-kernel convolution reads:
// g[n,c,o] at row o·s (and column likewise), zeros elsewhere, extended to the length whose
// convolution with padding tp gives the input's size back.
at::Tensor spreadOverStride(const at::Tensor& g, int64_t inH, int64_t inW, const at::Tensor& weight, at::IntArrayRef stride,
                            at::IntArrayRef padding, at::IntArrayRef dilation) {
  const int64_t lh = inH + 2 * padding[0] - dilation[0] * (weight.size(2) - 1);
  const int64_t lw = inW + 2 * padding[1] - dilation[1] * (weight.size(3) - 1);
  at::Tensor spread = at::zeros({g.size(0), g.size(1), lh, lw}, g.options().memory_format(g.suggest_memory_format()));
  spread.slice(2, 0, (g.size(2) - 1) * stride[0] + 1, stride[0]).slice(3, 0, (g.size(3) - 1) * stride[1] + 1, stride[1]).copy_(g);
  return spread;
}

// The kernel rotated by 180° in its own memory format (so the convolution picks the same kernel as
// the forward). A copy loop on the CPU: libtorch 1.13's flip restrides through as_strided and took
// ~0.1 ms on these few values, 0.3 s of a second-order search step. Under create_graph the flip must
// record a graph, so it is libtorch's.
at::Tensor flippedKernel(const at::Tensor& weight) {
  if (at::GradMode::is_enabled() || !weight.device().is_cpu()) return weight.flip({2, 3}).contiguous(weight.suggest_memory_format());
  at::Tensor out = at::empty_like(weight);
  const int64_t C = weight.size(0), kh = weight.size(2), kw = weight.size(3);
  AT_DISPATCH_FLOATING_TYPES(weight.scalar_type(), "flippedKernel", [&] {
    const auto src = weight.accessor<scalar_t, 4>();
    auto dst = out.accessor<scalar_t, 4>();
    for (int64_t c = 0; c < C; c++)
      for (int64_t i = 0; i < kh; i++)
        for (int64_t j = 0; j < kw; j++) dst[c][0][kh - 1 - i][kw - 1 - j] = src[c][0][i][j];
  });
  return out;
}

// Whether the input gradient is the flipped-kernel convolution (see the top of this file).
bool flippedInputGradient(const at::Tensor& weight, at::IntArrayRef stride, at::IntArrayRef padding, at::IntArrayRef dilation) {
  const auto tp = transposedPadding(weight, padding, dilation);
  const bool unitStride = stride[0] == 1 && stride[1] == 1;
  return tp[0] >= 0 && tp[1] >= 0 && (unitStride || dilation[0] > 1 || dilation[1] > 1);
}

class DepthwiseConv2d : public torch::autograd::Function<DepthwiseConv2d> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& input, const at::Tensor& weight, std::vector<int64_t> stride,
                            std::vector<int64_t> padding, std::vector<int64_t> dilation) {
    // The input is needed for the weight gradient, and for the input gradient only where libtorch
    // computes it; not keeping it otherwise lets a frozen-weight pass (DARTS' architecture step)
    // free an activation as soon as nothing else holds it.
    const bool keepInput = weight.requires_grad() || !flippedInputGradient(weight, stride, padding, dilation);
    ctx->save_for_backward({keepInput ? input : at::Tensor(), weight});
    ctx->saved_data["inputSize"] = std::vector<int64_t>{input.size(2), input.size(3)};
    ctx->saved_data["stride"] = stride;
    ctx->saved_data["padding"] = padding;
    ctx->saved_data["dilation"] = dilation;
    return at::conv2d(input, weight, {}, stride, padding, dilation, input.size(1));
  }

  static variable_list backward(AutogradContext* ctx, variable_list gradOutputs) {
    auto saved = ctx->get_saved_variables();
    const auto inputSize = ctx->saved_data["inputSize"].toIntVector();
    const auto grads =
        depthwiseConvolutionBackward(gradOutputs[0], saved[0], saved[1], inputSize, ctx->saved_data["stride"].toIntVector(),
                                ctx->saved_data["padding"].toIntVector(), ctx->saved_data["dilation"].toIntVector(), ctx->needs_input_grad(0),
                                ctx->needs_input_grad(1));
    return {grads.first, grads.second, at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

}  // namespace

at::Tensor depthwiseConvolution(const at::Tensor& input, const at::Tensor& weight, at::IntArrayRef stride, at::IntArrayRef padding,
                                at::IntArrayRef dilation) {
  return DepthwiseConv2d::apply(input, weight, stride.vec(), padding.vec(), dilation.vec());
}

std::pair<at::Tensor, at::Tensor> depthwiseConvolutionBackward(const at::Tensor& gradOutput, const at::Tensor& input, const at::Tensor& weight,
                                                               at::IntArrayRef inputSize, at::IntArrayRef stride, at::IntArrayRef padding,
                                                               at::IntArrayRef dilation, bool needInput, bool needWeight) {
  const int64_t groups = weight.size(0);
  at::Tensor gradInput, gradWeight;
  if (!gradOutput.defined()) return {gradInput, gradWeight};
  if (needInput) {
    if (flippedInputGradient(weight, stride, padding, dilation)) {
      const auto tp = transposedPadding(weight, padding, dilation);
      const at::Tensor flipped = flippedKernel(weight);
      const bool strided = stride[0] != 1 || stride[1] != 1;
      const at::Tensor g = strided ? spreadOverStride(gradOutput, inputSize[0], inputSize[1], weight, stride, padding, dilation) : gradOutput;
      gradInput = DepthwiseConv2d::apply(g, flipped, std::vector<int64_t>{1, 1}, tp, dilation.vec());
    } else {
      gradInput = std::get<0>(at::convolution_backward(gradOutput, input, weight, c10::nullopt, stride, padding, dilation, false, {0, 0},
                                                       groups, {true, false, false}));
    }
  }
  // libtorch's CPU weight gradient is fast for the undilated 3×3 case only (measured 1.2–1.6×
  // faster than weightGradient there; weightGradient is 2–30× faster for 5×5 or dilated kernels).
  const bool libtorchIsFast = weight.size(2) == 3 && weight.size(3) == 3 && dilation[0] == 1 && dilation[1] == 1;
  if (needWeight && !libtorchIsFast && !at::GradMode::is_enabled() && input.device().is_cpu() &&
      (input.scalar_type() == at::kFloat || input.scalar_type() == at::kDouble)) {
    gradWeight = weightGradient(input, gradOutput, weight, stride, padding, dilation);
  } else if (needWeight) {
    // Under create_graph the gradient must itself be differentiable: libtorch's op is.
    gradWeight = std::get<1>(at::convolution_backward(gradOutput, input, weight, c10::nullopt, stride, padding, dilation, false, {0, 0},
                                                      groups, {false, true, false}));
  }
  return {gradInput, gradWeight};
}

// depthwiseConv2d(x, w, b|null, stride[2], padding[2], dilation[2]): conv2d with groups = channels;
// w is [C, 1, kh, kw] (one filter per channel).
DNAS_FN(depthwiseConv2d) {
  return guarded(info, [&]() -> Napi::Value {
    const at::Tensor& x = tensorArg(info, 0);
    const at::Tensor& w = tensorArg(info, 1);
    auto bias = optionalTensorArg(info, 2);
    TORCH_CHECK(x.dim() == 4 && w.dim() == 4, "depthwiseConv2d: expected a 4-D input and a 4-D weight, got ", x.sizes(), " and ", w.sizes());
    TORCH_CHECK(w.size(0) == x.size(1) && w.size(1) == 1, "depthwiseConv2d: weight must be [C, 1, kh, kw] with C = input channels (", x.size(1),
                "), got ", w.sizes());
    at::Tensor out = DepthwiseConv2d::apply(x, w, intListArg(info, 3), intListArg(info, 4), intListArg(info, 5));
    if (bias && bias->defined()) out = out + bias->view({1, -1, 1, 1});
    return wrap(info.Env(), out);
  });
}

void registerDepthwiseOps(Napi::Env env, Napi::Object exports) { DNAS_EXPORT(depthwiseConv2d); }

}  // namespace dnas
