// Data-parallel training through libtorch's own c10d, the engine torch.distributed runs on: stores
// (TCPStore, FileStore), process groups (Gloo; NCCL when built against a CUDA libtorch), collectives,
// and DDP's Reducer, which buckets gradients and all-reduces each bucket from autograd hooks while the
// backward pass is still running. Nothing here reduces tensors itself.
//
// c10d's C++ API moved between releases: in 2.x a ProcessGroup wraps per-device Backends, where in
// 1.13 ProcessGroupGloo was the ProcessGroup, and the Reducer's constructor changed in 2.7, 2.8 and
// 2.11. The differences stay inside wrap_backend and new_reducer below; only 1.13 has been built and
// run here, the 2.x branches follow those releases' headers.

#include "abi.h"
#include "version.h"

#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/csrc/distributed/c10d/comm.hpp>
#include <torch/csrc/distributed/c10d/reducer.hpp>
#ifdef RESEARCH_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#ifdef RESEARCH_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

using research::copy_string;
using research::T;

namespace {

using Millis = std::chrono::milliseconds;

struct Group {
  c10::intrusive_ptr<c10d::ProcessGroup> pg;
#ifdef RESEARCH_GLOO
  c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;  // null for NCCL; monitoredBarrier is Gloo's alone
#endif
  int rank, size;
  Millis timeout;
};

inline c10::intrusive_ptr<c10d::Store>& S(void* h) { return *static_cast<c10::intrusive_ptr<c10d::Store>*>(h); }
inline Group& G(void* h) { return *static_cast<Group*>(h); }

std::vector<at::Tensor> tensors(void* const* handles, int32_t n) {
  std::vector<at::Tensor> out;
  out.reserve(n);
  for (int32_t k = 0; k < n; ++k) out.push_back(T(handles[k]));
  return out;
}

// The group that collectives, broadcast_coalesced and the Reducer take: the backend itself in 1.13, a
// ProcessGroup holding it as the backend of its device type in 2.x.
template <typename BackendT>
c10::intrusive_ptr<c10d::ProcessGroup> wrap_backend(const c10::intrusive_ptr<BackendT>& backend, Group& g,
                                                    const c10::intrusive_ptr<c10d::Store>& store,
                                                    c10::DeviceType device, const char* name) {
#if !RESEARCH_TORCH_AT_LEAST(2, 0)
  return backend;
#else
  using Type = c10d::ProcessGroup::BackendType;
  const Type type = std::string(name) == "nccl" ? Type::NCCL : Type::GLOO;
#if RESEARCH_TORCH_AT_LEAST(2, 6)
  auto pg = c10::make_intrusive<c10d::ProcessGroup>(store, g.rank, g.size);
  pg->setDefaultBackend(type);
#else
  auto pg = c10::make_intrusive<c10d::ProcessGroup>(
      store, g.rank, g.size, c10::make_intrusive<c10d::ProcessGroup::Options>(std::string(name), g.timeout));
#endif
  pg->setBackend(device, type, c10::static_intrusive_pointer_cast<c10d::Backend>(backend));
  return pg;
#endif
}

void make_group(Group& g, const std::string& backend, const c10::intrusive_ptr<c10d::Store>& store) {
  if (backend == "gloo") {
#ifdef RESEARCH_GLOO
    auto options = c10d::ProcessGroupGloo::Options::create(g.timeout);
    // GLOO_SOCKET_IFNAME picks the interface as in torch.distributed; otherwise the hostname's address, or
    // loopback where the hostname does not resolve to one this machine can bind.
    const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");
    options->devices.push_back(ifname && *ifname ? c10d::ProcessGroupGloo::createDeviceForInterface(ifname)
                                                 : c10d::ProcessGroupGloo::createDefaultDevice());
    g.gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(store, g.rank, g.size, options);
    g.pg = wrap_backend(g.gloo, g, store, c10::DeviceType::CPU, "gloo");
    return;
#else
    TORCH_CHECK(false, "backend 'gloo': this shim was built without Gloo's headers (see environment.md)");
#endif
  }
  if (backend == "nccl") {
#ifdef RESEARCH_NCCL
    auto options = c10d::ProcessGroupNCCL::Options::create();
    options->timeout = g.timeout;
    auto nccl = c10::make_intrusive<c10d::ProcessGroupNCCL>(store, g.rank, g.size, options);
    g.pg = wrap_backend(nccl, g, store, c10::DeviceType::CUDA, "nccl");
    return;
#else
    TORCH_CHECK(false, "backend 'nccl': this shim was built against a libtorch without CUDA's NCCL; "
                       "rebuild it against a CUDA PyTorch's libtorch, or use 'gloo'");
#endif
  }
  TORCH_CHECK(false, "unknown backend '", backend, "' (gloo or nccl)");
}

c10d::Reducer* new_reducer(std::vector<at::Tensor> params, std::vector<std::vector<size_t>> buckets,
                           std::vector<size_t> limits, const c10::intrusive_ptr<c10d::ProcessGroup>& pg,
                           std::vector<bool> sparse, int64_t bucket_bytes, bool find_unused,
                           std::unordered_map<size_t, std::string> names, int64_t first_bucket_bytes) {
#if !RESEARCH_TORCH_AT_LEAST(2, 7)
  return new c10d::Reducer(std::move(params), std::move(buckets), std::move(limits), pg, std::move(sparse), bucket_bytes,
                           find_unused, /*gradient_as_bucket_view=*/false, std::move(names), first_bucket_bytes);
#elif !RESEARCH_TORCH_AT_LEAST(2, 8)
  return new c10d::Reducer(std::move(params), std::move(buckets), pg, std::move(sparse), bucket_bytes, find_unused,
                           /*gradient_as_bucket_view=*/false, std::move(names), first_bucket_bytes);
#elif !RESEARCH_TORCH_AT_LEAST(2, 11)
  return new c10d::Reducer(std::move(params), std::move(buckets), pg, std::move(sparse), bucket_bytes, find_unused,
                           /*gradient_as_bucket_view=*/false, std::move(names), first_bucket_bytes,
                           /*skip_all_reduce_unused_params=*/false, /*use_python_reducer=*/false);
#else
  return new c10d::Reducer(std::move(params), std::move(buckets), pg, std::move(sparse), bucket_bytes, find_unused,
                           /*gradient_as_bucket_view=*/false, std::move(names), first_bucket_bytes,
                           /*skip_all_reduce_unused_params=*/false, /*use_python_reducer=*/false,
                           /*bucket_bytes_cap_list=*/{});
#endif
}

void wait(const c10::intrusive_ptr<c10d::Work>& work, const Group& g) { work->wait(g.timeout); }

}  // namespace

// 1 where this shim can make a process group of that backend.
RT_EXPORT int32_t rt_dist_backend_available(const char* backend) {
  std::string b(backend);
#ifdef RESEARCH_GLOO
  if (b == "gloo") return 1;
#endif
#ifdef RESEARCH_NCCL
  if (b == "nccl") return 1;
#endif
  return 0;
}

// ---------------------------------------------------------------------------
// Stores. The server side of a TCPStore (rank 0) waits until world_size - 1 clients have joined, so
// too few processes fail at start, within the timeout, rather than at the first collective.

RT_EXPORT char* rt_store_tcp(const char* host, int32_t port, int32_t is_server, int32_t world_size,
                             int64_t timeout_ms, void** out) {
  RT_TRY
  c10d::TCPStoreOptions options;
  options.port = static_cast<uint16_t>(port);
  options.isServer = is_server != 0;
  options.numWorkers = static_cast<size_t>(world_size);
  options.waitWorkers = true;
  options.timeout = Millis(timeout_ms);
  c10::intrusive_ptr<c10d::Store> store = c10::make_intrusive<c10d::TCPStore>(host, options);
  *out = new c10::intrusive_ptr<c10d::Store>(store);
  RT_CATCH
}

RT_EXPORT char* rt_store_file(const char* path, int32_t world_size, int64_t timeout_ms, void** out) {
  RT_TRY
  c10::intrusive_ptr<c10d::Store> store = c10::make_intrusive<c10d::FileStore>(path, world_size);
  store->setTimeout(Millis(timeout_ms));
  *out = new c10::intrusive_ptr<c10d::Store>(store);
  RT_CATCH
}

RT_EXPORT void rt_store_free(void* store) { delete static_cast<c10::intrusive_ptr<c10d::Store>*>(store); }

RT_EXPORT char* rt_store_set(void* store, const char* key, const uint8_t* value, int64_t len) {
  RT_TRY
  S(store)->set(key, std::vector<uint8_t>(value, value + len));
  RT_CATCH
}

// Waits for the key up to the store's timeout; *value is malloc'd (free with rt_free_string).
RT_EXPORT char* rt_store_get(void* store, const char* key, uint8_t** value, int64_t* len) {
  RT_TRY
  auto bytes = S(store)->get(key);
  *len = static_cast<int64_t>(bytes.size());
  *value = static_cast<uint8_t*>(std::malloc(std::max<size_t>(bytes.size(), 1)));
  if (!bytes.empty()) std::memcpy(*value, bytes.data(), bytes.size());
  RT_CATCH
}

RT_EXPORT char* rt_store_add(void* store, const char* key, int64_t delta, int64_t* value) {
  RT_TRY
  *value = S(store)->add(key, delta);
  RT_CATCH
}

// ---------------------------------------------------------------------------
// Process groups and collectives. Every collective waits for its work, up to the group's timeout, so
// a dead or missing peer surfaces as an error here and not as a hang.

RT_EXPORT char* rt_pg_new(const char* backend, void* store, int32_t rank, int32_t size, int64_t timeout_ms,
                          void** out) {
  RT_TRY
  auto g = std::make_unique<Group>();
  g->rank = rank, g->size = size, g->timeout = Millis(timeout_ms);
  make_group(*g, backend, S(store));
  *out = g.release();
  RT_CATCH
}

RT_EXPORT void rt_pg_free(void* group) { delete static_cast<Group*>(group); }

// op: c10d::ReduceOp (0 sum, 2 product, 3 min, 4 max).
RT_EXPORT char* rt_pg_all_reduce(void* group, void* const* ts, int32_t n, int32_t op) {
  RT_TRY
  auto& g = G(group);
  auto list = tensors(ts, n);
  c10d::AllreduceOptions options;
  options.reduceOp = c10d::ReduceOp(static_cast<c10d::ReduceOp::RedOpType>(op));
  options.timeout = g.timeout;
  wait(g.pg->allreduce(list, options), g);
  RT_CATCH
}

RT_EXPORT char* rt_pg_broadcast(void* group, void* const* ts, int32_t n, int32_t root) {
  RT_TRY
  auto& g = G(group);
  auto list = tensors(ts, n);
  c10d::BroadcastOptions options;
  options.rootRank = root;
  options.timeout = g.timeout;
  wait(g.pg->broadcast(list, options), g);
  RT_CATCH
}

// outputs: one tensor per rank, each shaped like input.
RT_EXPORT char* rt_pg_all_gather(void* group, void* const* outputs, int32_t n, void* input) {
  RT_TRY
  auto& g = G(group);
  TORCH_CHECK(n == g.size, "all_gather needs one output tensor per rank: ", g.size, ", not ", n);
  std::vector<std::vector<at::Tensor>> outs{tensors(outputs, n)};
  std::vector<at::Tensor> in{T(input)};
  c10d::AllgatherOptions options;
  options.timeout = g.timeout;
  wait(g.pg->allgather(outs, in, options), g);
  RT_CATCH
}

RT_EXPORT char* rt_pg_barrier(void* group) {
  RT_TRY
  auto& g = G(group);
  c10d::BarrierOptions options;
  options.timeout = g.timeout;
  wait(g.pg->barrier(options), g);
  RT_CATCH
}

// Rank 0 hears from every other rank within timeout_ms or reports each one it did not hear from; the
// way a survivor names the ranks that are gone.
RT_EXPORT char* rt_pg_monitored_barrier(void* group, int64_t timeout_ms) {
  RT_TRY
#ifdef RESEARCH_GLOO
  auto& g = G(group);
  TORCH_CHECK(g.gloo, "monitored_barrier needs the gloo backend");
  c10d::BarrierOptions options;
  options.timeout = Millis(timeout_ms);
  g.gloo->monitoredBarrier(options, /*waitAllRanks=*/true);
#else
  TORCH_CHECK(false, "monitored_barrier needs the gloo backend, which this shim was built without");
#endif
  RT_CATCH
}

// Rank root's values into every rank's tensors, packed into buffers of at most buffer_bytes.
RT_EXPORT char* rt_pg_broadcast_coalesced(void* group, void* const* ts, int32_t n, int64_t buffer_bytes,
                                          int32_t root) {
  RT_TRY
  auto list = tensors(ts, n);
  c10d::broadcast_coalesced(G(group).pg, list, static_cast<size_t>(buffer_bytes), root);
  RT_CATCH
}

// ---------------------------------------------------------------------------
// DDP's Reducer. Buckets are assigned as torch.nn.parallel.DistributedDataParallel assigns them (a small
// first bucket, then bucket_bytes each, in reverse order of the parameters, since gradients arrive
// roughly in that order) and averaged over the group as each bucket fills during backward.

RT_EXPORT char* rt_reducer_new(void* group, void* const* params, const char* const* names, int32_t n,
                               int64_t bucket_bytes, int64_t first_bucket_bytes, int32_t find_unused,
                               void** out) {
  RT_TRY
  auto list = tensors(params, n);
  std::vector<bool> sparse(list.size(), false);
  std::vector<size_t> limits_in{static_cast<size_t>(first_bucket_bytes), static_cast<size_t>(bucket_bytes)};
  auto [buckets, limits] = c10d::compute_bucket_assignment_by_size(list, limits_in, sparse);
  std::reverse(buckets.begin(), buckets.end());
  std::reverse(limits.begin(), limits.end());
  std::unordered_map<size_t, std::string> param_names;
  for (int32_t k = 0; k < n; ++k) param_names[k] = names[k];
  *out = new_reducer(list, buckets, limits, G(group).pg, sparse, bucket_bytes, find_unused != 0, param_names,
                     first_bucket_bytes);
  RT_CATCH
}

RT_EXPORT char* rt_reducer_free(void* reducer) {
  RT_TRY
  delete static_cast<c10d::Reducer*>(reducer);
  RT_CATCH
}

RT_EXPORT char* rt_reducer_prepare_for_forward(void* reducer) {
  RT_TRY
  static_cast<c10d::Reducer*>(reducer)->prepare_for_forward();
  RT_CATCH
}

// outputs: the forward's outputs, searched for unused parameters when the reducer was made with
// find_unused; otherwise none are needed.
RT_EXPORT char* rt_reducer_prepare_for_backward(void* reducer, void* const* outputs, int32_t n) {
  RT_TRY
  static_cast<c10d::Reducer*>(reducer)->prepare_for_backward(tensors(outputs, n));
  RT_CATCH
}

// Buckets as the reducer now holds them: it rebuilds them once, in the order gradients arrived, after
// the first step.
RT_EXPORT int32_t rt_reducer_bucket_count(void* reducer) {
  return static_cast<int32_t>(static_cast<c10d::Reducer*>(reducer)->get_grad_buckets(/*return_zero_tensors=*/true).size());
}
