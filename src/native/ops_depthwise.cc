// Depthwise convolution (groups == in channels == out channels) with a faster backward.
//
// Why: libtorch 1.13 on CPU computes a depthwise convolution's forward fast but its backward slowly
// (measured, 64×C×H×W channels-last, 2 threads: dilated 3×3 at C=16, H=32: forward 0.20 ms, input
// gradient 1.90 ms; dilated 5×5 at C=64, H=8: forward 0.07 ms, input gradient 0.96 ms). With stride
// 1 the input gradient is a transposed convolution with stride 1, i.e. the same depthwise
// convolution of the output gradient with the kernel flipped and padding dilation·(k−1)−padding;
// run that way it costs what a forward costs (0.19 / 0.08 ms), with the same values.
//
// The weight gradient stays libtorch's convolution_backward (output_mask {false, true, false}):
// nothing measured beat it at every size.
//
// Higher order: the backward is built only from differentiable ops (this same function for the
// input gradient, convolution_backward for the weight gradient, whose own derivative libtorch
// defines), so under create_graph it records a graph and second-order DARTS can differentiate
// through it. The recursion also makes the input gradient's own backward fast.
#include "handle.h"
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

class DepthwiseConv2d : public torch::autograd::Function<DepthwiseConv2d> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& input, const at::Tensor& weight, std::vector<int64_t> stride,
                            std::vector<int64_t> padding, std::vector<int64_t> dilation) {
    ctx->save_for_backward({input, weight});
    ctx->saved_data["stride"] = stride;
    ctx->saved_data["padding"] = padding;
    ctx->saved_data["dilation"] = dilation;
    return at::conv2d(input, weight, {}, stride, padding, dilation, input.size(1));
  }

  static variable_list backward(AutogradContext* ctx, variable_list gradOutputs) {
    auto saved = ctx->get_saved_variables();
    const at::Tensor& input = saved[0];
    const at::Tensor& weight = saved[1];
    const at::Tensor& gradOutput = gradOutputs[0];
    const auto stride = ctx->saved_data["stride"].toIntVector();
    const auto padding = ctx->saved_data["padding"].toIntVector();
    const auto dilation = ctx->saved_data["dilation"].toIntVector();
    const int64_t groups = input.size(1);
    at::Tensor gradInput, gradWeight;
    if (!gradOutput.defined()) return {gradInput, gradWeight, at::Tensor(), at::Tensor(), at::Tensor()};

    if (ctx->needs_input_grad(0)) {
      const auto tp = transposedPadding(weight, padding, dilation);
      if (stride[0] == 1 && stride[1] == 1 && tp[0] >= 0 && tp[1] >= 0) {
        // Flipped kernel in the weight's own memory format, so the convolution picks the same
        // kernel as the forward.
        at::Tensor flipped = weight.flip({2, 3}).contiguous(weight.suggest_memory_format());
        gradInput = DepthwiseConv2d::apply(gradOutput, flipped, std::vector<int64_t>{1, 1}, tp, dilation);
      } else {
        gradInput = std::get<0>(at::convolution_backward(gradOutput, input, weight, c10::nullopt, stride, padding, dilation, false, {0, 0},
                                                         groups, {true, false, false}));
      }
    }
    if (ctx->needs_input_grad(1)) {
      gradWeight = std::get<1>(at::convolution_backward(gradOutput, input, weight, c10::nullopt, stride, padding, dilation, false, {0, 0},
                                                        groups, {false, true, false}));
    }
    return {gradInput, gradWeight, at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

}  // namespace

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
