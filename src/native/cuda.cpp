// torch.cuda's device and memory calls, and autocast, for the C# layer.
//
// The shim is built against whatever libtorch the machine has, CUDA or not, so nothing here links
// CUDA by name: device calls go through torch::cuda (the C++ frontend's stable spelling, a no-op
// answer on a CPU build), and the caching allocator's statistics are compiled in only when CMake
// found CUDA's runtime headers and checked that c10's allocator header compiles with them
// (RESEARCH_CUDA_MEMORY); without them those calls say why they are missing.

#include "abi.h"
#include "version.h"

#include <ATen/autocast_mode.h>
#include <torch/cuda.h>
#ifdef RESEARCH_CUDA_MEMORY
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAFunctions.h>
#endif

using research::copy_string;

RT_EXPORT int32_t rt_cuda_is_available() { return torch::cuda::is_available() ? 1 : 0; }
RT_EXPORT int32_t rt_cuda_device_count() { return static_cast<int32_t>(torch::cuda::device_count()); }

RT_EXPORT char* rt_cuda_synchronize(int32_t device) {
  RT_TRY
  TORCH_CHECK(torch::cuda::is_available(), "CUDA is not available");
  torch::cuda::synchronize(device);
  RT_CATCH
}

RT_EXPORT char* rt_cuda_manual_seed_all(uint64_t seed) {
  RT_TRY
  torch::cuda::manual_seed_all(seed);   // does nothing without a GPU, as in PyTorch
  RT_CATCH
}

RT_EXPORT int32_t rt_cuda_memory_stats_built() {
#ifdef RESEARCH_CUDA_MEMORY
  return 1;
#else
  return 0;
#endif
}

namespace {
char* memory_unavailable() {
  if (!torch::cuda::is_available()) return copy_string("CUDA is not available");
  return copy_string(
      "the shim was built without CUDA's runtime headers, so it cannot read the caching allocator's statistics; "
      "rebuild it where cuda_runtime_api.h is found (the CUDA toolkit, or pip's nvidia-cuda-runtime package)");
}
}  // namespace

// out: allocated now, allocated peak, reserved now, reserved peak (bytes), as memory_stats()'s
// "allocated_bytes.all.*" and "reserved_bytes.all.*".
RT_EXPORT char* rt_cuda_memory_stats(int32_t device, int64_t* out) {
#ifdef RESEARCH_CUDA_MEMORY
  RT_TRY
  TORCH_CHECK(torch::cuda::is_available(), "CUDA is not available");
  auto index = static_cast<c10::DeviceIndex>(device >= 0 ? device : c10::cuda::current_device());
  auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(index);
  constexpr size_t all_pools = 0;   // StatType::AGGREGATE in every version, whichever namespace holds it
  out[0] = stats.allocated_bytes[all_pools].current;
  out[1] = stats.allocated_bytes[all_pools].peak;
  out[2] = stats.reserved_bytes[all_pools].current;
  out[3] = stats.reserved_bytes[all_pools].peak;
  RT_CATCH
#else
  return memory_unavailable();
#endif
}

RT_EXPORT char* rt_cuda_reset_peak_memory_stats(int32_t device) {
#ifdef RESEARCH_CUDA_MEMORY
  RT_TRY
  TORCH_CHECK(torch::cuda::is_available(), "CUDA is not available");
  c10::cuda::CUDACachingAllocator::resetPeakStats(
      static_cast<c10::DeviceIndex>(device >= 0 ? device : c10::cuda::current_device()));
  RT_CATCH
#else
  return memory_unavailable();
#endif
}

RT_EXPORT char* rt_cuda_empty_cache() {
  RT_TRY
#ifdef RESEARCH_CUDA_MEMORY
  if (torch::cuda::is_available()) c10::cuda::CUDACachingAllocator::emptyCache();
#endif
  RT_CATCH
}

// ---------------------------------------------------------------------------
// Autocast is a pair of dispatch keys switched on in thread-local state, so operators the C# layer
// calls through the dispatcher are cast exactly as PyTorch's own are. Enter records what it replaced;
// exit restores it and, when the outermost region closes, drops the cache of cast weights, as
// torch.autocast's __exit__ does.

namespace {
bool autocast_enabled(c10::DeviceType type) {
#if RESEARCH_TORCH_AT_LEAST(2, 4)
  return at::autocast::is_autocast_enabled(type);
#else
  return type == c10::DeviceType::CUDA ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
#endif
}

c10::ScalarType autocast_dtype(c10::DeviceType type) {
#if RESEARCH_TORCH_AT_LEAST(2, 4)
  return at::autocast::get_autocast_dtype(type);
#else
  return type == c10::DeviceType::CUDA ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
#endif
}

void set_autocast(c10::DeviceType type, bool enabled, c10::ScalarType dtype) {
#if RESEARCH_TORCH_AT_LEAST(2, 4)
  at::autocast::set_autocast_enabled(type, enabled);
  at::autocast::set_autocast_dtype(type, dtype);
#else
  if (type == c10::DeviceType::CUDA) {
    at::autocast::set_enabled(enabled);
    at::autocast::set_autocast_gpu_dtype(dtype);
  } else {
    at::autocast::set_cpu_enabled(enabled);
    at::autocast::set_autocast_cpu_dtype(dtype);
  }
#endif
}

c10::DeviceType autocast_device(int32_t device_type) {
  auto type = static_cast<c10::DeviceType>(device_type);
  TORCH_CHECK(type == c10::DeviceType::CPU || type == c10::DeviceType::CUDA,
              "autocast runs on cpu or cuda, not device type ", device_type);
  return type;
}
}  // namespace

RT_EXPORT char* rt_autocast_enter(int32_t device_type, int32_t enabled, int32_t dtype, int32_t* previous_enabled,
                                  int32_t* previous_dtype) {
  RT_TRY
  auto type = autocast_device(device_type);
  auto wanted = static_cast<c10::ScalarType>(dtype);
  TORCH_CHECK(wanted == c10::ScalarType::BFloat16 || wanted == c10::ScalarType::Half,
              "autocast casts to bfloat16 or float16, not ", c10::toString(wanted));
  TORCH_CHECK(type == c10::DeviceType::CPU || torch::cuda::is_available(),
              "autocast on cuda needs a GPU, and CUDA is not available");
  *previous_enabled = autocast_enabled(type) ? 1 : 0;
  *previous_dtype = static_cast<int32_t>(autocast_dtype(type));
  set_autocast(type, enabled != 0, wanted);
  at::autocast::increment_nesting();
  RT_CATCH
}

RT_EXPORT char* rt_autocast_exit(int32_t device_type, int32_t previous_enabled, int32_t previous_dtype) {
  RT_TRY
  auto type = autocast_device(device_type);
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  set_autocast(type, previous_enabled != 0, static_cast<c10::ScalarType>(previous_dtype));
  RT_CATCH
}

RT_EXPORT int32_t rt_autocast_is_enabled(int32_t device_type) {
  auto type = static_cast<c10::DeviceType>(device_type);
  if (type != c10::DeviceType::CPU && type != c10::DeviceType::CUDA) return 0;
  return autocast_enabled(type) ? 1 : 0;
}
