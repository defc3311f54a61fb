// The spatial shift of S2-MLP / S2-MLPv2 as one autograd operator with a hand-written backward.
#pragma once

#include <ATen/ATen.h>

#include <vector>

namespace research {

// Channels [start, start + length) move by (dy, dx), each in {-1, 0, 1}:
// out[y, x] = in[clamp(y - dy), clamp(x - dx)], so the vacated border keeps its old value.
struct ShiftGroup {
  int64_t start, length, dy, dx;
};

// Groups packed as (start, length, dy, dx) quadruples, the form they cross the C ABI in and are saved
// for backward in.
std::vector<ShiftGroup> unpack_shift_groups(const int64_t* flat, size_t count);

// x has its channel, row and column axes at cdim, hdim, wdim (channels-last [B, H, W, C] or
// channels-first [B, C, H, W]); the groups must not overlap and must cover every channel.
// Differentiable in x.
at::Tensor spatial_shift(const at::Tensor& x, const std::vector<ShiftGroup>& groups, int64_t cdim,
                         int64_t hdim, int64_t wdim);

}  // namespace research
