// Neural-network functions: linear algebra, convolution, pooling, normalisation, losses.
#include "handle.h"

namespace dnas {

DNAS_FN(matmul) {
  return guarded(info, [&]() -> Napi::Value { return wrap(info.Env(), at::matmul(tensorArg(info, 0), tensorArg(info, 1))); });
}

DNAS_FN(linear) {
  return guarded(info, [&]() -> Napi::Value { return wrap(info.Env(), at::linear(tensorArg(info, 0), tensorArg(info, 1), optionalTensorArg(info, 2))); });
}

// conv2d(x, w, b|null, stride[2], padding[2], dilation[2], groups)
DNAS_FN(conv2d) {
  return guarded(info, [&]() -> Napi::Value {
    return wrap(info.Env(), at::conv2d(tensorArg(info, 0), tensorArg(info, 1), optionalTensorArg(info, 2), intListArg(info, 3),
                                       intListArg(info, 4), intListArg(info, 5), intArg(info, 6)));
  });
}

// maxPool2d(x, kernel[2], stride[2], padding[2], dilation[2], ceilMode)
DNAS_FN(maxPool2d) {
  return guarded(info, [&]() -> Napi::Value {
    return wrap(info.Env(), at::max_pool2d(tensorArg(info, 0), intListArg(info, 1), intListArg(info, 2), intListArg(info, 3),
                                           intListArg(info, 4), boolArg(info, 5)));
  });
}

// avgPool2d(x, kernel[2], stride[2], padding[2], ceilMode, countIncludePad, divisorOverride|null)
DNAS_FN(avgPool2d) {
  return guarded(info, [&]() -> Napi::Value {
    c10::optional<int64_t> divisor;
    if (!isNullish(info, 6)) divisor = intArg(info, 6);
    return wrap(info.Env(), at::avg_pool2d(tensorArg(info, 0), intListArg(info, 1), intListArg(info, 2), intListArg(info, 3),
                                           boolArg(info, 4), boolArg(info, 5), divisor));
  });
}

DNAS_FN(adaptiveAvgPool2d) {
  return guarded(info, [&]() -> Napi::Value { return wrap(info.Env(), at::adaptive_avg_pool2d(tensorArg(info, 0), intListArg(info, 1))); });
}

// batchNorm(x, weight|null, bias|null, runningMean|null, runningVar|null, training, momentum, eps, relu, divisor|null, addend|null);
// training mode on CPU runs our kernels (ops_batchnorm.cc).
DNAS_FN(batchNorm) {
  return guarded(info, [&]() -> Napi::Value {
    return wrap(info.Env(), batchNormForward(tensorArg(info, 0), optionalTensorArg(info, 1), optionalTensorArg(info, 2), optionalTensorArg(info, 3),
                                             optionalTensorArg(info, 4), boolArg(info, 5), doubleArg(info, 6), doubleArg(info, 7),
                                             boolArg(info, 8), optionalTensorArg(info, 9), optionalTensorArg(info, 10)));
  });
}

// batchNormPieces(x, weights[], biases[], runningMeans[], runningVars[] (null entries allowed), momentum, eps, widths[]):
// training-mode batch norm of x's channels split into pieces, or null where the kernel does not apply.
DNAS_FN(batchNormPieces) {
  return guarded(info, [&]() -> Napi::Value {
    auto pieces = batchNormPiecesForward(tensorArg(info, 0), tensorListArg(info, 1, true), tensorListArg(info, 2, true), tensorListArg(info, 3, true),
                                        tensorListArg(info, 4, true), doubleArg(info, 5), doubleArg(info, 6), intListArg(info, 7));
    if (!pieces) return info.Env().Null();
    return wrapList(info.Env(), *pieces);
  });
}

DNAS_FN(dropout) {
  return guarded(info, [&]() -> Napi::Value { return wrap(info.Env(), at::dropout(tensorArg(info, 0), doubleArg(info, 1), boolArg(info, 2))); });
}

// crossEntropy(logits, target, weight|null, reduction(0 none,1 mean,2 sum), ignoreIndex, labelSmoothing)
DNAS_FN(crossEntropy) {
  return guarded(info, [&]() -> Napi::Value {
    return wrap(info.Env(), at::cross_entropy_loss(tensorArg(info, 0), tensorArg(info, 1), optionalTensorArg(info, 2), intArg(info, 3),
                                                   intArg(info, 4), doubleArg(info, 5)));
  });
}

// nllLoss(logProbs, target, weight|null, reduction, ignoreIndex)
DNAS_FN(nllLoss) {
  return guarded(info, [&]() -> Napi::Value {
    return wrap(info.Env(), at::nll_loss_nd(tensorArg(info, 0), tensorArg(info, 1), optionalTensorArg(info, 2), intArg(info, 3), intArg(info, 4)));
  });
}

void registerNnOps(Napi::Env env, Napi::Object exports) {
  DNAS_EXPORT(matmul); DNAS_EXPORT(linear); DNAS_EXPORT(conv2d); DNAS_EXPORT(maxPool2d); DNAS_EXPORT(avgPool2d);
  DNAS_EXPORT(adaptiveAvgPool2d); DNAS_EXPORT(batchNorm); DNAS_EXPORT(batchNormPieces); DNAS_EXPORT(dropout); DNAS_EXPORT(crossEntropy); DNAS_EXPORT(nllLoss);
}

}  // namespace dnas
