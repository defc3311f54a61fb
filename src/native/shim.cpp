// A C ABI over libtorch for the kit's C# tensor layer.
//
// Operators are not wrapped one by one: C# finds an operator by schema name and
// overload once, then calls it through the dispatcher with a packed argument
// array (one P/Invoke per call). Autograd, every backend and all ~3000 ATen
// operators come for free that way. Everything else here is the small
// non-operator API: handles, metadata, data copies, autograd entry points,
// seeds and threads.
//
// Every exported function that can fail returns a heap string with the error
// (the caller frees it with rt_free_string) or nullptr on success, so no C++
// exception ever crosses into .NET.

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/function.h>
// c10::optional is its own type in 1.13 and an alias of std::optional later, when ATen no longer includes it.
#include <c10/util/Optional.h>

#include "abi.h"
#include "cpu_cache.h"
#include "shift.h"

#include <dlfcn.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

using research::copy_string;
using research::live_tensors;
using research::new_handle;
using research::T;

// ---------------------------------------------------------------------------
// Argument and result encoding, shared with Native/Arg.cs.

enum rt_tag : int32_t {
  RT_NONE = 0,
  RT_TENSOR = 1,        // p: at::Tensor* (may be null for an undefined optional tensor)
  RT_INT = 2,           // i
  RT_DOUBLE = 3,        // d
  RT_BOOL = 4,          // i != 0
  RT_INT_LIST = 5,      // p: int64_t[len]
  RT_DOUBLE_LIST = 6,   // p: double[len]
  RT_TENSOR_LIST = 7,   // p: at::Tensor*[len]; null entries are None in Tensor?[]
  RT_SCALAR_TYPE = 8,   // i: c10::ScalarType
  RT_DEVICE = 9,        // i: c10::DeviceType, len: index (-1 for none)
  RT_STRING = 10,       // p: UTF-8, len bytes
  RT_DEFAULT = 11,      // the schema's default value
  RT_BOOL_LIST = 12,    // p: uint8_t[len]
  RT_LIST_END = 13,     // result only: closes a list of tensors opened by RT_TENSOR_LIST
};

struct rt_arg {
  int32_t tag;
  int32_t len;
  int64_t i;
  double d;
  void* p;
};
static_assert(sizeof(rt_arg) == 32, "rt_arg layout is shared with C#");

namespace {

c10::IValue to_ivalue(const rt_arg& a, const c10::Argument& formal) {
  const auto& type = formal.type();
  switch (a.tag) {
    case RT_NONE:
      return c10::IValue();
    case RT_TENSOR:
      return a.p ? c10::IValue(T(a.p)) : c10::IValue();
    case RT_INT: {
      // An int literal passed where the schema wants a float must become a double,
      // since boxed kernels read their arguments with toDouble().
      auto kind = type->kind();
      if (kind == c10::TypeKind::OptionalType)
        kind = type->castRaw<c10::OptionalType>()->getElementType()->kind();
      if (kind == c10::TypeKind::FloatType) return c10::IValue(static_cast<double>(a.i));
      return c10::IValue(a.i);
    }
    case RT_DOUBLE:
      return c10::IValue(a.d);
    case RT_BOOL:
      return c10::IValue(a.i != 0);
    case RT_INT_LIST: {
      auto data = static_cast<const int64_t*>(a.p);
      return c10::IValue(c10::List<int64_t>(std::vector<int64_t>(data, data + a.len)));
    }
    case RT_DOUBLE_LIST: {
      auto data = static_cast<const double*>(a.p);
      return c10::IValue(c10::List<double>(std::vector<double>(data, data + a.len)));
    }
    case RT_BOOL_LIST: {
      auto data = static_cast<const uint8_t*>(a.p);
      c10::List<bool> list;
      for (int32_t k = 0; k < a.len; ++k) list.push_back(data[k] != 0);
      return c10::IValue(list);
    }
    case RT_TENSOR_LIST: {
      auto handles = static_cast<void* const*>(a.p);
      auto list_type = type->cast<c10::ListType>();
      if (!list_type) {
        auto opt = type->cast<c10::OptionalType>();
        if (opt) list_type = opt->getElementType()->cast<c10::ListType>();
      }
      bool optional_elements =
          list_type && list_type->getElementType()->kind() == c10::TypeKind::OptionalType;
      if (optional_elements) {
        c10::List<c10::optional<at::Tensor>> list;
        for (int32_t k = 0; k < a.len; ++k)
          list.push_back(handles[k] ? c10::optional<at::Tensor>(T(handles[k])) : c10::nullopt);
        return c10::IValue(list);
      }
      c10::List<at::Tensor> list;
      list.reserve(a.len);
      for (int32_t k = 0; k < a.len; ++k) {
        TORCH_CHECK(handles[k], "argument '", formal.name(), "': element ", k, " is None");
        list.push_back(T(handles[k]));
      }
      return c10::IValue(list);
    }
    case RT_SCALAR_TYPE:
      return c10::IValue(static_cast<int64_t>(a.i));
    case RT_DEVICE:
      return c10::IValue(c10::Device(static_cast<c10::DeviceType>(a.i),
                                     static_cast<c10::DeviceIndex>(a.len)));
    case RT_STRING:
      return c10::IValue(std::string(static_cast<const char*>(a.p), a.len));
    default:
      TORCH_CHECK(false, "argument '", formal.name(), "': unknown tag ", a.tag);
  }
}

struct Results {
  rt_arg* outs;
  int32_t cap;
  int32_t n = 0;
  bool committed = false;
  // Handles made before a failure (say, too many results) would never reach C#.
  ~Results() {
    if (committed) return;
    for (int32_t k = 0; k < n; ++k)
      if (outs[k].tag == RT_TENSOR && outs[k].p) {
        delete static_cast<at::Tensor*>(outs[k].p);
        live_tensors.fetch_sub(1, std::memory_order_relaxed);
      }
  }
  void put(const rt_arg& a) {
    TORCH_CHECK(n < cap, "operator returned more than ", cap, " values");
    outs[n++] = a;
  }
  void add(const c10::IValue& v) {
    if (v.isTensor()) {
      void* h = new_handle(v.toTensor());
      put({h ? RT_TENSOR : RT_NONE, 0, 0, 0.0, h});
    } else if (v.isTensorList()) {
      auto list = v.toTensorList();
      put({RT_TENSOR_LIST, static_cast<int32_t>(list.size()), 0, 0.0, nullptr});
      for (const at::Tensor& t : list) {
        void* h = new_handle(t);
        put({h ? RT_TENSOR : RT_NONE, 0, 0, 0.0, h});
      }
      put({RT_LIST_END, 0, 0, 0.0, nullptr});
    } else if (v.isTuple()) {
      for (const auto& e : v.toTupleRef().elements()) add(e);
    } else if (v.isInt()) {
      put({RT_INT, 0, v.toInt(), 0.0, nullptr});
    } else if (v.isDouble()) {
      put({RT_DOUBLE, 0, 0, v.toDouble(), nullptr});
    } else if (v.isBool()) {
      put({RT_BOOL, 0, v.toBool() ? 1 : 0, 0.0, nullptr});
    } else if (v.isNone()) {
      put({RT_NONE, 0, 0, 0.0, nullptr});
    } else if (v.isIntList()) {
      auto list = v.toIntList();
      put({RT_INT_LIST, static_cast<int32_t>(list.size()), 0, 0.0, nullptr});
      for (int64_t x : list) put({RT_INT, 0, x, 0.0, nullptr});
      put({RT_LIST_END, 0, 0, 0.0, nullptr});
    } else {
      TORCH_CHECK(false, "unsupported return type ", v.tagKind());
    }
  }
};

thread_local torch::jit::Stack call_stack;

void check_type(const c10::IValue& v, const c10::Argument& formal, size_t k) {
  // The common cases answered without building a type: isSubtypeOf costs as much as a
  // small kernel.
  const auto kind = formal.type()->kind();
  if (v.isTensor() && kind == c10::TypeKind::TensorType) return;
  if (v.isInt() && (kind == c10::TypeKind::IntType || kind == c10::TypeKind::NumberType)) return;
  if (v.isDouble() && (kind == c10::TypeKind::FloatType || kind == c10::TypeKind::NumberType)) return;
  if (v.isBool() && kind == c10::TypeKind::BoolType) return;
  auto actual = v.type();
  TORCH_CHECK(actual->isSubtypeOf(*formal.type()), "argument '", formal.name(), "' (position ", k,
              ") must be ", formal.type()->repr_str(), ", not ", actual->repr_str());
}

}  // namespace

RT_EXPORT void rt_free_string(char* s) { std::free(s); }

RT_EXPORT int64_t rt_live_tensors() { return live_tensors.load(std::memory_order_relaxed); }

// limit, idle bytes, idle blocks, hits, misses of the large-block cache (cpu_cache.h).
RT_EXPORT void rt_cpu_cache_stats(int64_t* out) {
  auto s = research::cpu_cache_stats();
  out[0] = s.limit_bytes, out[1] = s.idle_bytes, out[2] = s.idle_blocks, out[3] = s.hits, out[4] = s.misses;
}

RT_EXPORT void rt_cpu_cache_empty() { research::cpu_cache_empty(); }

RT_EXPORT char* rt_op_find(const char* name, const char* overload, void** op_out) {
  RT_TRY
  auto handle = c10::Dispatcher::singleton().findSchemaOrThrow(name, overload);
  *op_out = new c10::OperatorHandle(handle);
  RT_CATCH
}

RT_EXPORT char* rt_op_schema(void* op, char** schema_out) {
  RT_TRY
  std::ostringstream s;
  s << static_cast<c10::OperatorHandle*>(op)->schema();
  *schema_out = copy_string(s.str());
  RT_CATCH
}

RT_EXPORT char* rt_op_call(void* op, const rt_arg* args, int32_t nargs, rt_arg* outs, int32_t cap,
                           int32_t* nouts) {
  auto& stack = call_stack;
  stack.clear();
  // On failure the stack still holds the arguments; release them now, not at the next call.
  struct ClearOnExit {
    torch::jit::Stack& s;
    ~ClearOnExit() { s.clear(); }
  } clear_on_exit{stack};
  Results results{outs, cap};
  RT_TRY
  auto& handle = *static_cast<c10::OperatorHandle*>(op);
  const auto& formals = handle.schema().arguments();
  TORCH_CHECK(static_cast<size_t>(nargs) <= formals.size(), "takes ", formals.size(),
              " arguments but ", nargs, " were given");
  for (size_t k = 0; k < formals.size(); ++k) {
    const auto& formal = formals[k];
    if (k < static_cast<size_t>(nargs) && args[k].tag != RT_DEFAULT) {
      stack.push_back(to_ivalue(args[k], formal));
      // A mistyped argument would otherwise reach an internal assert deep in the kernel.
      check_type(stack.back(), formal, k);
    } else {
      TORCH_CHECK(formal.default_value().has_value(), "argument '", formal.name(),
                  "' (position ", k, ") has no default and was not given");
      stack.push_back(*formal.default_value());
    }
  }
  handle.callBoxed(&stack);
  for (const auto& v : stack) results.add(v);
  stack.clear();
  *nouts = results.n;
  results.committed = true;
  RT_CATCH
}

// ---------------------------------------------------------------------------
// Handles and metadata.

RT_EXPORT void rt_tensor_free(void* t) {
  if (!t) return;
  delete static_cast<at::Tensor*>(t);
  live_tensors.fetch_sub(1, std::memory_order_relaxed);
}

// A second handle to the same tensor: both must be freed.
RT_EXPORT void* rt_tensor_alias(void* t) { return new_handle(T(t)); }

RT_EXPORT int32_t rt_tensor_ndim(void* t) { return static_cast<int32_t>(T(t).dim()); }

RT_EXPORT void rt_tensor_sizes(void* t, int64_t* out) {
  auto s = T(t).sizes();
  std::copy(s.begin(), s.end(), out);
}

RT_EXPORT void rt_tensor_strides(void* t, int64_t* out) {
  auto s = T(t).strides();
  std::copy(s.begin(), s.end(), out);
}

RT_EXPORT int32_t rt_tensor_dtype(void* t) { return static_cast<int32_t>(T(t).scalar_type()); }

RT_EXPORT int64_t rt_tensor_numel(void* t) { return T(t).numel(); }

RT_EXPORT void rt_tensor_device(void* t, int32_t* type, int32_t* index) {
  auto d = T(t).device();
  *type = static_cast<int32_t>(d.type());
  *index = d.index();
}

RT_EXPORT void* rt_tensor_data_ptr(void* t) { return T(t).data_ptr(); }

RT_EXPORT int32_t rt_tensor_is_contiguous(void* t) { return T(t).is_contiguous() ? 1 : 0; }

// Same storage, same tensor object: tells a view from a copy and in-place from not.
RT_EXPORT int32_t rt_tensor_same(void* a, void* b) {
  return T(a).unsafeGetTensorImpl() == T(b).unsafeGetTensorImpl() ? 1 : 0;
}

// ---------------------------------------------------------------------------
// Data in and out. Copies, so .NET arrays never alias native memory.

RT_EXPORT char* rt_tensor_from_data(const void* data, const int64_t* sizes, int32_t ndim,
                                    int32_t dtype, void** out) {
  RT_TRY
  auto t = at::empty(at::IntArrayRef(sizes, ndim),
                     at::TensorOptions().dtype(static_cast<c10::ScalarType>(dtype)));
  if (t.numel() > 0) std::memcpy(t.data_ptr(), data, t.numel() * t.element_size());
  *out = new_handle(t);
  RT_CATCH
}

RT_EXPORT char* rt_tensor_copy_to(void* t, void* dst, int64_t nbytes) {
  RT_TRY
  auto c = T(t).detach().to(at::kCPU).contiguous();
  int64_t have = c.numel() * static_cast<int64_t>(c.element_size());
  TORCH_CHECK(have == nbytes, "destination holds ", nbytes, " bytes but the tensor has ", have);
  if (have > 0) std::memcpy(dst, c.data_ptr(), have);
  RT_CATCH
}

// ---------------------------------------------------------------------------
// Autograd.

RT_EXPORT int32_t rt_tensor_requires_grad(void* t) { return T(t).requires_grad() ? 1 : 0; }

RT_EXPORT char* rt_tensor_set_requires_grad(void* t, int32_t value) {
  RT_TRY
  T(t).set_requires_grad(value != 0);
  RT_CATCH
}

RT_EXPORT int32_t rt_tensor_is_leaf(void* t) { return T(t).is_leaf() ? 1 : 0; }

RT_EXPORT char* rt_tensor_grad_fn_name(void* t, char** out) {
  RT_TRY
  auto fn = T(t).grad_fn();
  *out = fn ? copy_string(fn->name()) : nullptr;
  RT_CATCH
}

// *out is null when the tensor has no gradient yet.
RT_EXPORT char* rt_tensor_grad(void* t, void** out) {
  RT_TRY
  *out = new_handle(T(t).grad());
  RT_CATCH
}

// A null gradient clears it, as `p.grad = None` does.
RT_EXPORT char* rt_tensor_set_grad(void* t, void* grad) {
  RT_TRY
  if (grad)
    T(t).mutable_grad() = T(grad);
  else
    T(t).mutable_grad().reset();
  RT_CATCH
}

RT_EXPORT char* rt_backward(void* const* tensors, void* const* grads, int32_t n,
                            int32_t retain_graph, int32_t create_graph) {
  RT_TRY
  std::vector<at::Tensor> outputs, grad_outputs;
  for (int32_t k = 0; k < n; ++k) {
    outputs.push_back(T(tensors[k]));
    grad_outputs.push_back(grads && grads[k] ? T(grads[k]) : at::Tensor());
  }
  c10::optional<bool> retain;
  if (retain_graph >= 0) retain = retain_graph != 0;
  torch::autograd::backward(outputs, grad_outputs, retain, create_graph != 0);
  RT_CATCH
}

// torch.autograd.grad: outs receives one handle per input (null where unused).
RT_EXPORT char* rt_autograd_grad(void* const* outputs, void* const* grad_outputs, int32_t nout,
                                 void* const* inputs, int32_t nin, int32_t retain_graph,
                                 int32_t create_graph, int32_t allow_unused, void** outs) {
  RT_TRY
  std::vector<at::Tensor> o, go, in;
  for (int32_t k = 0; k < nout; ++k) {
    o.push_back(T(outputs[k]));
    go.push_back(grad_outputs && grad_outputs[k] ? T(grad_outputs[k]) : at::Tensor());
  }
  for (int32_t k = 0; k < nin; ++k) in.push_back(T(inputs[k]));
  c10::optional<bool> retain;
  if (retain_graph >= 0) retain = retain_graph != 0;
  auto grads = torch::autograd::grad(o, in, go, retain, create_graph != 0, allow_unused != 0);
  for (int32_t k = 0; k < nin; ++k) outs[k] = new_handle(grads[k]);
  RT_CATCH
}

// Grad mode is per thread, as in PyTorch; returns the previous value.
RT_EXPORT int32_t rt_set_grad_enabled(int32_t enabled) {
  bool previous = c10::GradMode::is_enabled();
  c10::GradMode::set_enabled(enabled != 0);
  return previous ? 1 : 0;
}

RT_EXPORT int32_t rt_is_grad_enabled() { return c10::GradMode::is_enabled() ? 1 : 0; }

// ---------------------------------------------------------------------------
// Seeds, generator state, threads, devices.

RT_EXPORT void rt_manual_seed(uint64_t seed) { at::manual_seed(seed); }

RT_EXPORT char* rt_rng_get_state(void** out) {
  RT_TRY
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  *out = new_handle(gen.get_state());
  RT_CATCH
}

RT_EXPORT char* rt_rng_set_state(void* state) {
  RT_TRY
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(T(state));
  RT_CATCH
}

namespace {
// OpenBLAS runs its own thread pool beside libtorch's OpenMP pool; when both are
// sized to the cores they fight over them. Resolved at run time so the shim does
// not link against a particular BLAS.
void set_blas_threads(int n) {
  using setter = void (*)(int);
  if (auto f = reinterpret_cast<setter>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) f(n);
}
int get_blas_threads() {
  using getter = int (*)();
  if (auto f = reinterpret_cast<getter>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"))) return f();
  return -1;
}
}  // namespace

RT_EXPORT void rt_set_num_threads(int32_t n) { at::set_num_threads(n); }
RT_EXPORT int32_t rt_get_num_threads() { return at::get_num_threads(); }
RT_EXPORT void rt_set_blas_threads(int32_t n) { set_blas_threads(n); }
RT_EXPORT int32_t rt_get_blas_threads() { return get_blas_threads(); }

RT_EXPORT char* rt_config(char** out) {
  RT_TRY
  *out = copy_string(at::show_config() + "\n" + at::get_parallel_info());
  RT_CATCH
}

// `p.data = value`: the Parameter object keeps its identity (optimizers hold it) while
// its storage, dtype or device change.
RT_EXPORT char* rt_tensor_set_data(void* t, void* value) {
  RT_TRY
  T(t).set_data(T(value));
  RT_CATCH
}


// ---------------------------------------------------------------------------
// The spatial shift (shift.cpp). groups: ngroups x (start, length, dy, dx).

RT_EXPORT char* rt_spatial_shift(void* x, const int64_t* groups, int32_t ngroups, int32_t cdim, int32_t hdim,
                                 int32_t wdim, void** out) {
  RT_TRY
  auto list = research::unpack_shift_groups(groups, static_cast<size_t>(std::max(ngroups, 0)));
  *out = new_handle(research::spatial_shift(T(x), list, cdim, hdim, wdim));
  RT_CATCH
}

#ifndef RESEARCH_DISTRIBUTED
// Built without c10d's or Gloo's headers (see CMakeLists.txt): no backend is available.
RT_EXPORT int32_t rt_dist_backend_available(const char* backend) { return 0; }
#endif
