#include "kiln/runtime/extern.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "kiln/runtime/store.h"
#include "store_state.h"

namespace kiln::runtime {

const wasm::FuncType& Func::type() const {
  return store_->engine().signatures().Lookup(ref_->type_id);
}

const wasm::TableType& Table::type() const { return table_->type; }
uint32_t Table::size() const { return static_cast<uint32_t>(table_->elements.size()); }

absl::StatusOr<Value> Table::Get(uint32_t index) const {
  if (index >= table_->elements.size()) {
    return absl::OutOfRangeError(absl::StrCat("table index ", index, " is out of bounds"));
  }
  return Value::Ref(table_->type.element, table_->elements[index]);
}

absl::Status Table::Set(uint32_t index, const Value& value) {
  if (value.type() != table_->type.element) {
    return absl::InvalidArgumentError("value does not match the table's element type");
  }
  if (absl::Status owned = table_->store->CheckOwnsValue(value, "the table"); !owned.ok()) {
    return owned;
  }
  if (index >= table_->elements.size()) {
    return absl::OutOfRangeError(absl::StrCat("table index ", index, " is out of bounds"));
  }
  if (value.type() == wasm::ValType::kFuncRef && value.ref() != nullptr &&
      static_cast<vm::VMFuncRef*>(value.ref())->native_code == nullptr) {
    return absl::FailedPreconditionError(
        "a host function can be stored in a table only once a module imports it");
  }
  table_->elements[index] = value.ref();
  return absl::OkStatus();
}

int64_t Table::Grow(uint32_t delta, const Value& init) {
  if (init.type() != table_->type.element) return -1;
  if (!table_->store->CheckOwnsValue(init, "the table").ok()) return -1;
  return table_->Grow(delta, init.ref());
}

int64_t TableInstance::Grow(uint32_t delta, void* init) {
  const uint64_t old_size = elements.size();
  const uint64_t new_size = old_size + delta;
  if (new_size > max_size || delta > store->table_elements_left()) return -1;
  const uint64_t capacity = elements.capacity();
  if (new_size > capacity) {
    // The budget pays for the storage the vector will really have. Growing
    // it geometrically keeps a guest that grows one element at a time (as
    // toolchains' addFunction does) from copying the table on every call;
    // the spare room never passes what the table and Store could reach,
    // and is skipped when the budget cannot hold it.
    const uint64_t reachable =
        std::min<uint64_t>(max_size, old_size + store->table_elements_left());
    uint64_t target = std::clamp<uint64_t>(2 * capacity, new_size, reachable);
    if (!store->ChargeBudget((target - capacity) * sizeof(void*))) {
      target = new_size;
      if (!store->ChargeBudget((target - capacity) * sizeof(void*))) return -1;
    }
    elements.reserve(target);
  }
  store->add_table_elements(delta);
  elements.resize(new_size, init);
  Sync();
  return static_cast<int64_t>(old_size);
}

const wasm::MemoryType& Memory::type() const { return memory_->type; }
uint8_t* Memory::data() const { return memory_->memory->base(); }
uint64_t Memory::size_bytes() const { return memory_->memory->size_bytes(); }
uint32_t Memory::pages() const { return memory_->memory->pages(); }
int64_t Memory::Grow(uint32_t delta_pages) { return memory_->Grow(delta_pages); }

int64_t MemoryInstance::Grow(uint32_t delta_pages) {
  const uint64_t added = uint64_t{delta_pages} * wasm::kWasmPageSize;
  if (added > store->memory_bytes_left() || !store->ChargeBudget(added)) return -1;
  const int64_t old = memory->Grow(delta_pages);
  if (old < 0) {
    store->RefundBudget(added);
    return -1;
  }
  store->add_memory_bytes(added);
  vm.size_bytes = memory->size_bytes();
  type.limits.min = memory->pages();
  return old;
}

const wasm::GlobalType& Global::type() const { return global_->type; }
Value Global::Get() const { return Value::FromRaw(global_->type.type, global_->cell.value); }

absl::Status Global::Set(const Value& value) {
  if (!global_->type.is_mutable) return absl::FailedPreconditionError("global is immutable");
  if (value.type() != global_->type.type) {
    return absl::InvalidArgumentError("value does not match the global's type");
  }
  if (absl::Status owned = global_->store->CheckOwnsValue(value, "the global"); !owned.ok()) {
    return owned;
  }
  global_->cell.value = value.raw();
  return absl::OkStatus();
}

std::string_view ExternKindName(const Extern& e) {
  switch (e.index()) {
    case 0: return "func";
    case 1: return "table";
    case 2: return "memory";
    default: return "global";
  }
}

std::optional<Extern> Instance::GetExport(std::string_view name) const {
  auto it = data_->export_index.find(std::string(name));
  if (it == data_->export_index.end()) return std::nullopt;
  return data_->exports[it->second].second;
}

absl::StatusOr<Func> Instance::GetFunc(std::string_view name) const {
  std::optional<Extern> e = GetExport(name);
  if (!e.has_value()) {
    return absl::NotFoundError(absl::StrCat("no export named \"", std::string(name), "\""));
  }
  if (const Func* f = std::get_if<Func>(&*e)) return *f;
  return absl::InvalidArgumentError(absl::StrCat("export \"", std::string(name), "\" is a ",
                                                 std::string(ExternKindName(*e)),
                                                 ", not a function"));
}

const std::vector<std::pair<std::string, Extern>>& Instance::exports() const {
  return data_->exports;
}

}  // namespace kiln::runtime
