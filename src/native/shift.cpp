// Why a native operator: written with ATen's slicing ops, the shift's backward is autograd's chain of
// CopySlices nodes, one full copy of the gradient per channel group; the hand-written adjoint below
// writes each gradient element once, plus the border rows and columns the clamp sends twice.
#include "shift.h"

#include <torch/csrc/autograd/custom_function.h>

namespace research {
namespace {

// One axis of the shift. k = +1: dst[i] = src[i - 1] for i >= 1, dst[0] = src[0]; k = -1 mirrors it.
void shift_axis(at::Tensor& dst, const at::Tensor& src, int64_t dim, int64_t k) {
  const int64_t n = src.size(dim);
  if (k == 0 || n < 2) {
    dst.copy_(src);
    return;
  }
  const int64_t keep = k > 0 ? 0 : n - 1;
  dst.narrow(dim, k > 0 ? 1 : 0, n - 1).copy_(src.narrow(dim, k > 0 ? 0 : 1, n - 1));
  dst.narrow(dim, keep, 1).copy_(src.narrow(dim, keep, 1));
}

// The adjoint of shift_axis: for k = +1, g_src[i] = g_dst[i + 1] for i <= n - 2, g_src[n - 1] = 0,
// and g_src[0] also receives g_dst[0], the border element the clamp read twice.
void shift_axis_adjoint(at::Tensor& g_src, const at::Tensor& g_dst, int64_t dim, int64_t k) {
  const int64_t n = g_dst.size(dim);
  if (k == 0 || n < 2) {
    g_src.copy_(g_dst);
    return;
  }
  const int64_t keep = k > 0 ? 0 : n - 1, vacated = k > 0 ? n - 1 : 0;
  g_src.narrow(dim, k > 0 ? 0 : 1, n - 1).copy_(g_dst.narrow(dim, k > 0 ? 1 : 0, n - 1));
  g_src.narrow(dim, vacated, 1).zero_();
  g_src.narrow(dim, keep, 1).add_(g_dst.narrow(dim, keep, 1));
}

struct Axes {
  int64_t c, h, w;
};

at::Tensor shift_all(const at::Tensor& x, const std::vector<ShiftGroup>& groups, Axes axes, bool adjoint) {
  auto out = at::empty_like(x, at::MemoryFormat::Preserve);
  for (const auto& g : groups) {
    auto src = x.narrow(axes.c, g.start, g.length);
    auto dst = out.narrow(axes.c, g.start, g.length);
    if (g.dy != 0 && g.dx != 0) {
      // A diagonal is the row step then the column step (its adjoint: the column step's adjoint first).
      auto middle = at::empty_like(src);
      if (!adjoint) {
        shift_axis(middle, src, axes.h, g.dy);
        shift_axis(dst, middle, axes.w, g.dx);
      } else {
        shift_axis_adjoint(middle, src, axes.w, g.dx);
        shift_axis_adjoint(dst, middle, axes.h, g.dy);
      }
    } else if (g.dy != 0) {
      adjoint ? shift_axis_adjoint(dst, src, axes.h, g.dy) : shift_axis(dst, src, axes.h, g.dy);
    } else {
      adjoint ? shift_axis_adjoint(dst, src, axes.w, g.dx) : shift_axis(dst, src, axes.w, g.dx);
    }
  }
  return out;
}

struct SpatialShiftFunction : torch::autograd::Function<SpatialShiftFunction> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x,
                            const std::vector<ShiftGroup>& groups, Axes axes) {
    ctx->saved_data["groups"] = pack(groups);
    ctx->saved_data["axes"] = std::vector<int64_t>{axes.c, axes.h, axes.w};
    return shift_all(x, groups, axes, /*adjoint=*/false);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    auto flat = ctx->saved_data["groups"].toIntVector();
    auto groups = unpack_shift_groups(flat.data(), flat.size() / 4);
    auto a = ctx->saved_data["axes"].toIntVector();
    auto g = grads[0].contiguous(grads[0].suggest_memory_format());
    return {shift_all(g, groups, Axes{a[0], a[1], a[2]}, /*adjoint=*/true), at::Tensor(), at::Tensor()};
  }

  static std::vector<int64_t> pack(const std::vector<ShiftGroup>& groups) {
    std::vector<int64_t> flat;
    for (const auto& g : groups) flat.insert(flat.end(), {g.start, g.length, g.dy, g.dx});
    return flat;
  }
};

}  // namespace

std::vector<ShiftGroup> unpack_shift_groups(const int64_t* flat, size_t count) {
  std::vector<ShiftGroup> groups;
  groups.reserve(count);
  for (size_t k = 0; k < count; ++k) groups.push_back({flat[4 * k], flat[4 * k + 1], flat[4 * k + 2], flat[4 * k + 3]});
  return groups;
}

at::Tensor spatial_shift(const at::Tensor& x, const std::vector<ShiftGroup>& groups, int64_t cdim,
                         int64_t hdim, int64_t wdim) {
  TORCH_CHECK(x.dim() == 4, "spatial_shift: expected a 4-d tensor, got ", x.dim(), " dimensions");
  int64_t covered = 0;
  for (const auto& g : groups) {
    TORCH_CHECK(g.dy >= -1 && g.dy <= 1 && g.dx >= -1 && g.dx <= 1 && g.start >= 0 && g.length >= 0 &&
                    g.start + g.length <= x.size(cdim),
                "spatial_shift: bad group (start ", g.start, ", length ", g.length, ", dy ", g.dy, ", dx ", g.dx,
                ") for ", x.size(cdim), " channels");
    covered += g.length;
  }
  TORCH_CHECK(covered == x.size(cdim), "spatial_shift: the groups cover ", covered, " of ", x.size(cdim), " channels");
  return SpatialShiftFunction::apply(x, groups, Axes{cdim, hdim, wdim});
}

}  // namespace research
