// The runtime functions generated code calls (vm::VMBuiltins). Each checks
// its bounds itself and raises the spec's trap; none holds a C++ object with
// a destructor when it raises.
#include <cstring>

#include "kiln/wasm/vm_abi.h"
#include "move_bytes.h"
#include "store_state.h"
#include "trap_handler.h"

namespace kiln::runtime {
namespace {

InstanceData& InstanceOf(vm::VMContext* vmctx) {
  return *static_cast<InstanceData*>(vmctx->instance);
}

// [start, start + length) within [0, size), without overflow.
bool InBounds(uint64_t start, uint64_t length, uint64_t size) {
  return start <= size && length <= size - start;
}

void Trap(vm::VMContext*, uint32_t code, uint64_t site) {
  RaiseTrap(static_cast<vm::TrapCode>(code), site);
}

void EpochReached(vm::VMContext* vmctx) {
  const vm::VMStoreContext* store = vmctx->store;
  if (store->epoch->load(std::memory_order_relaxed) >=
      store->epoch_deadline.load(std::memory_order_relaxed)) {
    RaiseTrap(vm::TrapCode::kInterrupted);
  }
}

uint32_t MemoryGrow(vm::VMContext* vmctx, uint32_t delta) {
  return static_cast<uint32_t>(InstanceOf(vmctx).memory->Grow(delta));
}

void MemoryFill(vm::VMContext* vmctx, uint32_t dst, uint32_t value, uint32_t length) {
  vm::VMMemory* memory = vmctx->memory;
  if (!InBounds(dst, length, memory->size_bytes)) RaiseTrap(vm::TrapCode::kMemoryOutOfBounds);
  std::memset(memory->base + dst, static_cast<int>(value & 0xFF), length);
}

void MemoryCopy(vm::VMContext* vmctx, uint32_t dst, uint32_t src, uint32_t length) {
  vm::VMMemory* memory = vmctx->memory;
  if (!InBounds(dst, length, memory->size_bytes) || !InBounds(src, length, memory->size_bytes)) {
    RaiseTrap(vm::TrapCode::kMemoryOutOfBounds);
  }
  MoveBytes(memory->base + dst, memory->base + src, length);
}

void MemoryInit(vm::VMContext* vmctx, uint32_t segment, uint32_t dst, uint32_t src,
                uint32_t length) {
  const std::span<const uint8_t> data = InstanceOf(vmctx).data[segment];
  vm::VMMemory* memory = vmctx->memory;
  if (!InBounds(src, length, data.size()) || !InBounds(dst, length, memory->size_bytes)) {
    RaiseTrap(vm::TrapCode::kMemoryOutOfBounds);
  }
  if (length != 0) std::memcpy(memory->base + dst, data.data() + src, length);
}

void DataDrop(vm::VMContext* vmctx, uint32_t segment) { InstanceOf(vmctx).data[segment] = {}; }

TableInstance& TableOf(vm::VMContext* vmctx, uint32_t table) {
  return *InstanceOf(vmctx).table_instances[table];
}

void* TableGet(vm::VMContext* vmctx, uint32_t table, uint32_t index) {
  TableInstance& t = TableOf(vmctx, table);
  if (index >= t.elements.size()) RaiseTrap(vm::TrapCode::kTableOutOfBounds);
  return t.elements[index];
}

void TableSet(vm::VMContext* vmctx, uint32_t table, uint32_t index, void* value) {
  TableInstance& t = TableOf(vmctx, table);
  if (index >= t.elements.size()) RaiseTrap(vm::TrapCode::kTableOutOfBounds);
  t.elements[index] = value;
}

uint32_t TableGrow(vm::VMContext* vmctx, uint32_t table, void* init, uint32_t delta) {
  return static_cast<uint32_t>(TableOf(vmctx, table).Grow(delta, init));
}

void TableFill(vm::VMContext* vmctx, uint32_t table, uint32_t dst, void* value,
               uint32_t length) {
  TableInstance& t = TableOf(vmctx, table);
  if (!InBounds(dst, length, t.elements.size())) RaiseTrap(vm::TrapCode::kTableOutOfBounds);
  std::fill_n(t.elements.begin() + dst, length, value);
}

void TableCopy(vm::VMContext* vmctx, uint32_t dst_table, uint32_t src_table, uint32_t dst,
               uint32_t src, uint32_t length) {
  TableInstance& d = TableOf(vmctx, dst_table);
  TableInstance& s = TableOf(vmctx, src_table);
  if (!InBounds(dst, length, d.elements.size()) || !InBounds(src, length, s.elements.size())) {
    RaiseTrap(vm::TrapCode::kTableOutOfBounds);
  }
  if (length != 0) {
    std::memmove(d.elements.data() + dst, s.elements.data() + src, length * sizeof(void*));
  }
}

void TableInit(vm::VMContext* vmctx, uint32_t table, uint32_t segment, uint32_t dst,
               uint32_t src, uint32_t length) {
  TableInstance& t = TableOf(vmctx, table);
  const std::vector<void*>& elements = InstanceOf(vmctx).elements[segment];
  if (!InBounds(src, length, elements.size()) || !InBounds(dst, length, t.elements.size())) {
    RaiseTrap(vm::TrapCode::kTableOutOfBounds);
  }
  std::copy_n(elements.begin() + src, length, t.elements.begin() + dst);
}

void ElemDrop(vm::VMContext* vmctx, uint32_t segment) {
  // Keeps the vector's memory: freeing here would run a destructor inside
  // wasm code for no gain.
  InstanceOf(vmctx).elements[segment].clear();
}

constexpr vm::VMBuiltins kBuiltins = {
    Trap,      EpochReached, MemoryGrow, MemoryFill, MemoryCopy, MemoryInit, DataDrop,
    TableGet,  TableSet,     TableGrow,  TableFill,  TableCopy,  TableInit,  ElemDrop,
};

}  // namespace

const vm::VMBuiltins* Builtins() { return &kBuiltins; }

}  // namespace kiln::runtime
