// kiln/runtime/host_func.h — typed C++ functions as wasm functions.
//
//   int32_t Add(int32_t a, int32_t b) { return a + b; }
//   runtime::Func add = runtime::WrapFunction<&Add>(store);
//
// The adapters are made by templates when the host is compiled: the wasm
// calling convention (vmctx first, then the parameters, the result
// returned) matches the C ABI for these types, so wasm calls the adapter
// directly, with no trampoline and no argument array. Parameters and the
// result may be int32_t, int64_t, float and double (the result may also be
// void). A typed host function cannot trap; use Store::CreateHostFunc for
// one that can, or for references and several results.
#ifndef KILN_RUNTIME_HOST_FUNC_H_
#define KILN_RUNTIME_HOST_FUNC_H_

#include <bit>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "kiln/runtime/extern.h"
#include "kiln/runtime/store.h"
#include "kiln/wasm/types.h"
#include "kiln/wasm/vm_abi.h"

namespace kiln::runtime {
namespace host_func_internal {

template <typename T>
constexpr wasm::ValType ValTypeOf() {
  if constexpr (std::is_same_v<T, int32_t>) return wasm::ValType::kI32;
  if constexpr (std::is_same_v<T, int64_t>) return wasm::ValType::kI64;
  if constexpr (std::is_same_v<T, float>) return wasm::ValType::kF32;
  if constexpr (std::is_same_v<T, double>) return wasm::ValType::kF64;
}

template <typename T>
constexpr bool kIsWasmScalar = std::is_same_v<T, int32_t> || std::is_same_v<T, int64_t> ||
                               std::is_same_v<T, float> || std::is_same_v<T, double>;

template <typename T>
T Read(const vm::ValRaw& raw) {
  if constexpr (std::is_same_v<T, int32_t>) return raw.i32;
  if constexpr (std::is_same_v<T, int64_t>) return raw.i64;
  if constexpr (std::is_same_v<T, float>) return std::bit_cast<float>(raw.f32_bits);
  if constexpr (std::is_same_v<T, double>) return std::bit_cast<double>(raw.f64_bits);
}

template <typename T>
void Write(vm::ValRaw& raw, T value) {
  if constexpr (std::is_same_v<T, int32_t>) raw.i32 = value;
  if constexpr (std::is_same_v<T, int64_t>) raw.i64 = value;
  if constexpr (std::is_same_v<T, float>) raw.f32_bits = std::bit_cast<uint32_t>(value);
  if constexpr (std::is_same_v<T, double>) raw.f64_bits = std::bit_cast<uint64_t>(value);
}

template <auto Fn, typename R, typename... Args>
struct Adapter {
  static_assert((kIsWasmScalar<Args> && ...), "parameters must be int32_t, int64_t, float or double");
  static_assert(std::is_void_v<R> || kIsWasmScalar<R>, "the result must be void or a wasm scalar");

  // Native code: what wasm calls.
  static R Native(vm::VMContext*, Args... args) { return Fn(args...); }

  // Array entry: what the host calls through Store::Call.
  static void Array(vm::VMContext*, const void*, vm::ValRaw* values) {
    Call(values, std::index_sequence_for<Args...>());
  }

  template <size_t... I>
  static void Call(vm::ValRaw* values, std::index_sequence<I...>) {
    if constexpr (std::is_void_v<R>) {
      Fn(Read<Args>(values[I])...);
    } else {
      Write<R>(values[0], Fn(Read<Args>(values[I])...));
    }
  }

  static wasm::FuncType Type() {
    wasm::FuncType type;
    type.params = {ValTypeOf<Args>()...};
    if constexpr (!std::is_void_v<R>) type.results = {ValTypeOf<R>()};
    return type;
  }
};

template <auto Fn, typename R, typename... Args>
Func Wrap(Store& store, R (*)(Args...)) {
  using A = Adapter<Fn, R, Args...>;
  return store.CreateNativeHostFunc(A::Type(), reinterpret_cast<const void*>(&A::Native),
                                    &A::Array);
}

}  // namespace host_func_internal

// `Fn` is a function pointer (or a captureless lambda converted to one).
template <auto Fn>
Func WrapFunction(Store& store) {
  return host_func_internal::Wrap<Fn>(store, Fn);
}

}  // namespace kiln::runtime

#endif  // KILN_RUNTIME_HOST_FUNC_H_
