// AdamW's update over every parameter of a group in one call, the same update as torch.optim.AdamW
// (decoupled decay, bias-corrected moments), two ways:
// - on the CPU, one pass that reads and writes each element once. Op by op, AdamW streams each
//   parameter's four arrays through memory about eight times, which on a CPU costs as much as the
//   forward and backward passes of an MLP.
// - on a GPU, libtorch's multi-tensor (_foreach_) operators, as PyTorch's default implementation
//   there: a handful of kernel launches for the whole group instead of eight per parameter, which at
//   small models is what a step's time goes to.
// Anything else (mixed devices or dtypes, odd layouts) is left to the C# side's operator-by-operator rule.

#include "abi.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/GradMode.h>

#include <cmath>
#include <vector>

using research::T;

namespace {
template <typename Scalar>
void adamw_kernel(Scalar* p, const Scalar* g, Scalar* m, Scalar* v, int64_t n, double lr, double beta1, double beta2,
                  double eps, double weight_decay, int64_t step) {
  const Scalar decay = static_cast<Scalar>(1 - lr * weight_decay);
  const Scalar w1 = static_cast<Scalar>(1 - beta1), b2 = static_cast<Scalar>(beta2), w2 = static_cast<Scalar>(1 - beta2);
  const Scalar step_size = static_cast<Scalar>(lr / (1 - std::pow(beta1, static_cast<double>(step))));
  const Scalar bias2_sqrt = static_cast<Scalar>(std::sqrt(1 - std::pow(beta2, static_cast<double>(step))));
  const Scalar e = static_cast<Scalar>(eps);
  at::parallel_for(0, n, 1 << 14, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      Scalar gi = g[i];
      Scalar mi = m[i] + w1 * (gi - m[i]);
      Scalar vi = v[i] * b2 + w2 * gi * gi;
      Scalar denom = std::sqrt(vi) / bias2_sqrt + e;
      p[i] = p[i] * decay - step_size * mi / denom;
      m[i] = mi;
      v[i] = vi;
    }
  });
}

void cpu_step(void* const* params, void* const* grads, void* const* exp_avgs, void* const* exp_avg_sqs, int32_t n,
              double lr, double beta1, double beta2, double eps, double weight_decay, int64_t step) {
  for (int32_t k = 0; k < n; ++k) {
    at::Tensor& p = T(params[k]);
    if (p.scalar_type() == at::kFloat)
      adamw_kernel(p.data_ptr<float>(), T(grads[k]).data_ptr<float>(), T(exp_avgs[k]).data_ptr<float>(),
                   T(exp_avg_sqs[k]).data_ptr<float>(), p.numel(), lr, beta1, beta2, eps, weight_decay, step);
    else
      adamw_kernel(p.data_ptr<double>(), T(grads[k]).data_ptr<double>(), T(exp_avgs[k]).data_ptr<double>(),
                   T(exp_avg_sqs[k]).data_ptr<double>(), p.numel(), lr, beta1, beta2, eps, weight_decay, step);
    // In-place writes through data pointers bypass autograd's version counter.
    p.unsafeGetTensorImpl()->bump_version();
  }
}

void multi_tensor_step(void* const* params, void* const* grads, void* const* exp_avgs, void* const* exp_avg_sqs,
                       int32_t n, double lr, double beta1, double beta2, double eps, double weight_decay, int64_t step) {
  std::vector<at::Tensor> p, g, m, v;
  for (int32_t k = 0; k < n; ++k) {
    p.push_back(T(params[k]));
    g.push_back(T(grads[k]));
    m.push_back(T(exp_avgs[k]));
    v.push_back(T(exp_avg_sqs[k]));
  }
  const double bias1 = 1 - std::pow(beta1, static_cast<double>(step));
  const double bias2_sqrt = std::sqrt(1 - std::pow(beta2, static_cast<double>(step)));
  if (weight_decay != 0) at::_foreach_mul_(p, 1 - lr * weight_decay);
  at::_foreach_mul_(m, beta1);
  at::_foreach_add_(m, g, 1 - beta1);
  at::_foreach_mul_(v, beta2);
  at::_foreach_addcmul_(v, g, g, 1 - beta2);
  auto denom = at::_foreach_sqrt(v);
  at::_foreach_div_(denom, bias2_sqrt);
  at::_foreach_add_(denom, eps);
  at::_foreach_addcdiv_(p, m, denom, -lr / bias1);
}
}  // namespace

// Returns 0 in *fused when the group cannot take one of the two paths (tensors not all contiguous, of one
// dtype, on one device, of the parameter's size; CPU tensors not float32/float64); nothing is changed then.
// multi_tensor != 0 takes the multi-tensor path on the CPU too (PyTorch's foreach=True), which is also how
// that path is tested on a machine without a GPU.
RT_EXPORT char* rt_adamw_step(void* const* params, void* const* grads, void* const* exp_avgs,
                              void* const* exp_avg_sqs, int32_t n, double lr, double beta1,
                              double beta2, double eps, double weight_decay, int64_t step,
                              int32_t multi_tensor, int32_t* fused) {
  RT_TRY
  *fused = 0;
  if (n == 0) return nullptr;
  const at::Device device = T(params[0]).device();
  const at::ScalarType dtype = T(params[0]).scalar_type();
  for (int32_t k = 0; k < n; ++k) {
    const at::Tensor& p = T(params[k]);
    if (!p.is_contiguous() || p.device() != device || p.scalar_type() != dtype) return nullptr;
    for (void* h : {grads[k], exp_avgs[k], exp_avg_sqs[k]}) {
      const at::Tensor& t = T(h);
      if (!t.is_contiguous() || t.scalar_type() != dtype || t.numel() != p.numel() || t.device() != device)
        return nullptr;
    }
  }
  c10::NoGradGuard no_grad;
  if (device.is_cpu() && multi_tensor == 0) {
    if (dtype != at::kFloat && dtype != at::kDouble) return nullptr;
    cpu_step(params, grads, exp_avgs, exp_avg_sqs, n, lr, beta1, beta2, eps, weight_decay, step);
  } else {
    multi_tensor_step(params, grads, exp_avgs, exp_avg_sqs, n, lr, beta1, beta2, eps, weight_decay, step);
  }
  *fused = 1;
  RT_CATCH
}
