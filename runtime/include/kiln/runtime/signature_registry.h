// kiln/runtime/signature_registry.h — interned function signatures.
//
// A SignatureRegistry gives every distinct function type one SignatureId for
// its lifetime, so an indirect call checks a callee's type by comparing two
// integers. One registry belongs to one Engine and is passed explicitly to
// whoever needs it (compiler, loader, linker); there is no global registry.
// All methods are thread-safe: modules compiled and instantiated at once may
// intern concurrently.
#ifndef KILN_RUNTIME_SIGNATURE_REGISTRY_H_
#define KILN_RUNTIME_SIGNATURE_REGISTRY_H_

#include <cstddef>
#include <cstdint>
#include <deque>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "kiln/wasm/types.h"

namespace kiln::runtime {

using SignatureId = uint32_t;

class SignatureRegistry {
 public:
  SignatureRegistry() = default;
  SignatureRegistry(const SignatureRegistry&) = delete;
  SignatureRegistry& operator=(const SignatureRegistry&) = delete;

  // The id of `type`: the same for equal types, different for different ones.
  SignatureId Intern(const wasm::FuncType& type);

  // The type interned as `id`. `id` must come from Intern on this registry;
  // the reference stays valid for the registry's lifetime.
  const wasm::FuncType& Lookup(SignatureId id) const;

  size_t size() const;

 private:
  struct TypeHash {
    size_t operator()(const wasm::FuncType& type) const;
  };

  mutable absl::Mutex mu_;
  absl::flat_hash_map<wasm::FuncType, SignatureId, TypeHash> ids_ ABSL_GUARDED_BY(mu_);
  std::deque<wasm::FuncType> types_ ABSL_GUARDED_BY(mu_);  // by id; addresses never move
};

}  // namespace kiln::runtime

#endif  // KILN_RUNTIME_SIGNATURE_REGISTRY_H_
