// kiln/runtime/signature_registry.h — interned function signatures.
//
// A SignatureRegistry gives every distinct function type one SignatureId, so
// an indirect call checks a callee's type by comparing two integers. One
// registry belongs to one Engine and is passed explicitly to whoever needs it
// (loader, linker, Store); there is no global registry.
//
// Ids are reference-counted so that a daemon that loads and drops modules for
// months holds only the types of what is alive: Intern takes a reference,
// Release drops one, and with the last reference the id is freed and a later
// Intern (of any type) may reuse it. Whoever puts an id in a funcref must
// hold a reference for as long as that funcref may be called: a Module holds
// its types' ids, a Store its host functions' ids.
//
// All methods are thread-safe and O(1): modules compiled, loaded and dropped
// at once may intern and release concurrently.
#ifndef KILN_RUNTIME_SIGNATURE_REGISTRY_H_
#define KILN_RUNTIME_SIGNATURE_REGISTRY_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

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

  // The id of `type`, with one more reference to it: equal types held at the
  // same time share an id, different ones never do.
  SignatureId Intern(const wasm::FuncType& type);

  // Drops one reference that Intern gave. Releasing an id nobody holds is a
  // bug that could let two types share an id, so it aborts.
  void Release(SignatureId id);

  // The type interned as `id`, which the caller holds a reference to; the
  // returned reference stays valid while that reference is held.
  const wasm::FuncType& Lookup(SignatureId id) const;

  // How many distinct types are held now.
  size_t size() const;

 private:
  struct TypeHash {
    size_t operator()(const wasm::FuncType& type) const;
  };
  struct Entry {
    wasm::FuncType type;
    // 64 bits: every type index of every loaded module takes one, and a
    // wrap to zero would free an id still in use.
    uint64_t references = 0;
  };

  mutable absl::Mutex mu_;
  absl::flat_hash_map<wasm::FuncType, SignatureId, TypeHash> ids_ ABSL_GUARDED_BY(mu_);
  // By id; a deque so that a held entry never moves while others are added.
  // It only grows to the most types ever held at once: freed ids are reused.
  std::deque<Entry> entries_ ABSL_GUARDED_BY(mu_);
  std::vector<SignatureId> free_ids_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kiln::runtime

#endif  // KILN_RUNTIME_SIGNATURE_REGISTRY_H_
