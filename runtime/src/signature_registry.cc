#include "kiln/runtime/signature_registry.h"

#include "absl/hash/hash.h"

namespace kiln::runtime {

size_t SignatureRegistry::TypeHash::operator()(const wasm::FuncType& type) const {
  // absl hashes a vector with its length, so [a] -> [b c] and [a b] -> [c]
  // differ.
  return absl::HashOf(type.params, type.results);
}

SignatureId SignatureRegistry::Intern(const wasm::FuncType& type) {
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = ids_.try_emplace(type, static_cast<SignatureId>(types_.size()));
  if (inserted) types_.push_back(type);
  return it->second;
}

const wasm::FuncType& SignatureRegistry::Lookup(SignatureId id) const {
  absl::MutexLock lock(&mu_);
  return types_.at(id);
}

size_t SignatureRegistry::size() const {
  absl::MutexLock lock(&mu_);
  return types_.size();
}

}  // namespace kiln::runtime
