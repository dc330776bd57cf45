// Separable convolution: a depthwise convolution (one filter per channel) followed by a 1×1
// convolution, as in DARTS' SepConv and DilConv, MobileNet and Xception.
//
// Why one op: run as two convolutions, autograd keeps the depthwise output for the 1×1 conv's
// weight gradient, a full activation per block. Recomputing it in backward instead costs one
// depthwise forward, the cheapest convolution there is (0.2 ms at 64×16×32×32 channels-last, against
// 1.9 ms for its own input gradient), and frees that activation: in a DARTS supernet a third of
// what the conv ops of an edge keep (a SepConv keeps 7 activations, a DilConv 4, as two convs).
//
// Values and gradients are those of the two convolutions bit for bit: the forward runs the same
// two convolutions, and the backward the same libtorch 1×1 convolution_backward and the same
// depthwise backward (ops_depthwise.cc) on the recomputed, identical, depthwise output. Under
// create_graph the recomputation records a graph, so the gradients are themselves differentiable.
#include "handle.h"
#include <torch/csrc/autograd/custom_function.h>

namespace dnas {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

class SeparableConv2d : public torch::autograd::Function<SeparableConv2d> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& input, const at::Tensor& depthwiseWeight, const at::Tensor& pointwiseWeight,
                            std::vector<int64_t> stride, std::vector<int64_t> padding, std::vector<int64_t> dilation) {
    ctx->save_for_backward({input, depthwiseWeight, pointwiseWeight});
    ctx->saved_data["stride"] = stride;
    ctx->saved_data["padding"] = padding;
    ctx->saved_data["dilation"] = dilation;
    const at::Tensor depthwise = at::conv2d(input, depthwiseWeight, {}, stride, padding, dilation, input.size(1));
    return at::conv2d(depthwise, pointwiseWeight);
  }

  static variable_list backward(AutogradContext* ctx, variable_list gradOutputs) {
    auto saved = ctx->get_saved_variables();
    const at::Tensor& input = saved[0];
    const at::Tensor& depthwiseWeight = saved[1];
    const at::Tensor& pointwiseWeight = saved[2];
    const at::Tensor& gradOutput = gradOutputs[0];
    const bool needInput = ctx->needs_input_grad(0), needDepthwise = ctx->needs_input_grad(1), needPointwise = ctx->needs_input_grad(2);
    variable_list grads(6);
    if (!gradOutput.defined()) return grads;
    const auto stride = ctx->saved_data["stride"].toIntVector();
    const auto padding = ctx->saved_data["padding"].toIntVector();
    const auto dilation = ctx->saved_data["dilation"].toIntVector();

    // The 1×1 conv's input gradient needs only its input's shape; its weight gradient needs the
    // depthwise output itself, recomputed here. Under create_graph (grad mode on here) the
    // recomputation records a graph back to the input and the depthwise weight.
    at::Tensor depthwise;
    if (needPointwise || at::GradMode::is_enabled()) {
      depthwise = at::GradMode::is_enabled() ? depthwiseConvolution(input, depthwiseWeight, stride, padding, dilation)
                                             : at::conv2d(input, depthwiseWeight, {}, stride, padding, dilation, input.size(1));
    } else {
      const auto layout = gradOutput.options().memory_format(gradOutput.suggest_memory_format());
      depthwise = at::empty({input.size(0), input.size(1), gradOutput.size(2), gradOutput.size(3)}, layout);
    }
    auto [gradDepthwise, gradPointwise, unusedBias] =
        at::convolution_backward(gradOutput, depthwise, pointwiseWeight, c10::nullopt, {1, 1}, {0, 0}, {1, 1}, false, {0, 0}, 1,
                                 {needInput || needDepthwise, needPointwise, false});
    if (needInput || needDepthwise) {
      auto [gradInput, gradDepthwiseWeight] = depthwiseConvolutionBackward(gradDepthwise, input, depthwiseWeight, {input.size(2), input.size(3)},
                                                                           stride, padding, dilation, needInput, needDepthwise);
      grads[0] = gradInput;
      grads[1] = gradDepthwiseWeight;
    }
    grads[2] = gradPointwise;
    return grads;
  }
};

}  // namespace

// separableConv2d(x, depthwiseWeight [C,1,kh,kw], pointwiseWeight [Cout,C,1,1], stride[2], padding[2], dilation[2]):
// conv2d(conv2d(x, depthwiseWeight, groups = C, stride, padding, dilation), pointwiseWeight), both without bias.
DNAS_FN(separableConv2d) {
  return guarded(info, [&]() -> Napi::Value {
    const at::Tensor& x = tensorArg(info, 0);
    const at::Tensor& dw = tensorArg(info, 1);
    const at::Tensor& pw = tensorArg(info, 2);
    TORCH_CHECK(x.dim() == 4 && dw.dim() == 4 && pw.dim() == 4, "separableConv2d: expected a 4-D input and 4-D weights, got ", x.sizes(), ", ",
                dw.sizes(), " and ", pw.sizes());
    TORCH_CHECK(dw.size(0) == x.size(1) && dw.size(1) == 1, "separableConv2d: the depthwise weight must be [C, 1, kh, kw] with C = input channels (",
                x.size(1), "), got ", dw.sizes());
    TORCH_CHECK(pw.size(1) == x.size(1) && pw.size(2) == 1 && pw.size(3) == 1,
                "separableConv2d: the pointwise weight must be [Cout, C, 1, 1] with C = input channels (", x.size(1), "), got ", pw.sizes());
    return wrap(info.Env(), SeparableConv2d::apply(x, dw, pw, intListArg(info, 3), intListArg(info, 4), intListArg(info, 5)));
  });
}

void registerSeparableOps(Napi::Env env, Napi::Object exports) { DNAS_EXPORT(separableConv2d); }

}  // namespace dnas
