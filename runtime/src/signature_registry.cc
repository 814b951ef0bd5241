#include "kiln/runtime/signature_registry.h"

#include <cstdio>
#include <cstdlib>

#include "absl/hash/hash.h"

namespace kiln::runtime {

size_t SignatureRegistry::TypeHash::operator()(const wasm::FuncType& type) const {
  // absl hashes a vector with its length, so [a] -> [b c] and [a b] -> [c]
  // differ.
  return absl::HashOf(type.params, type.results);
}

SignatureId SignatureRegistry::Intern(const wasm::FuncType& type) {
  absl::MutexLock lock(&mu_);
  auto it = ids_.find(type);
  if (it != ids_.end()) {
    ++entries_[it->second].references;
    return it->second;
  }
  SignatureId id;
  if (free_ids_.empty()) {
    id = static_cast<SignatureId>(entries_.size());
    entries_.emplace_back();
  } else {
    id = free_ids_.back();
    free_ids_.pop_back();
  }
  entries_[id] = Entry{type, 1};
  ids_.emplace(type, id);
  return id;
}

void SignatureRegistry::Release(SignatureId id) {
  absl::MutexLock lock(&mu_);
  if (id >= entries_.size() || entries_[id].references == 0) {
    std::fprintf(stderr, "kiln: SignatureRegistry::Release(%u) of an id nobody holds\n", id);
    std::abort();
  }
  Entry& entry = entries_[id];
  if (--entry.references != 0) return;
  ids_.erase(entry.type);
  // Frees the type's vectors now rather than when the id is reused.
  entry.type = wasm::FuncType{};
  free_ids_.push_back(id);
}

const wasm::FuncType& SignatureRegistry::Lookup(SignatureId id) const {
  absl::MutexLock lock(&mu_);
  return entries_.at(id).type;
}

size_t SignatureRegistry::size() const {
  absl::MutexLock lock(&mu_);
  return ids_.size();
}

}  // namespace kiln::runtime
