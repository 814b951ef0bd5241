#include "kiln/runtime/linker.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "kiln/runtime/trap.h"
#include "kiln/wasm/opcode.h"
#include "store_state.h"
#include "trap_handler.h"

namespace kiln::runtime {
namespace {

std::string ImportName(const wasm::Import& import) {
  return absl::StrCat("\"", import.module, "\" \"", import.name, "\"");
}

absl::Status Incompatible(const wasm::Import& import, std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("incompatible import type: ", ImportName(import),
                                                 ": ", std::string(why)));
}

// The spec's limits subtyping: `actual` fits where `required` is expected.
bool LimitsMatch(const wasm::Limits& actual, const wasm::Limits& required) {
  if (actual.min < required.min) return false;
  if (!required.max.has_value()) return true;
  return actual.max.has_value() && *actual.max <= *required.max;
}

// The Store a definition lives in.
const StoreState* StoreOf(const Extern& definition) {
  switch (definition.index()) {
    case 0: return std::get<Func>(definition).store();
    case 1: return std::get<Table>(definition).instance()->store;
    case 2: return std::get<Memory>(definition).instance()->store;
    default: return std::get<Global>(definition).instance()->store;
  }
}

absl::Status CheckImport(const StoreState& store, const Module& module, const wasm::Import& import,
                         const Extern& definition) {
  if (StoreOf(definition) != &store) {
    // Linking it would leave this Store's code pointing into another
    // Store, which may be destroyed first.
    return absl::InvalidArgumentError(
        absl::StrCat("import ", ImportName(import), ": the ",
                     std::string(ExternKindName(definition)),
                     " defined for it belongs to another Store"));
  }
  const wasm::ExternKind kinds[] = {wasm::ExternKind::kFunc, wasm::ExternKind::kTable,
                                    wasm::ExternKind::kMemory, wasm::ExternKind::kGlobal};
  if (kinds[definition.index()] != import.kind) {
    return Incompatible(import, absl::StrCat("expected a ",
                                             std::string(wasm::ExternKindName(import.kind)),
                                             ", got a ", std::string(ExternKindName(definition))));
  }
  switch (import.kind) {
    case wasm::ExternKind::kFunc: {
      const Func& f = std::get<Func>(definition);
      if (f.vm_ref()->type_id != module.type_ids()[import.func_type_index]) {
        return Incompatible(
            import, absl::StrCat("expected ",
                                 wasm::FuncTypeToString(module.wasm().types[import.func_type_index]),
                                 ", got ", wasm::FuncTypeToString(f.type())));
      }
      return absl::OkStatus();
    }
    case wasm::ExternKind::kTable: {
      const wasm::TableType& actual = std::get<Table>(definition).type();
      if (actual.element != import.table.element || !LimitsMatch(actual.limits, import.table.limits)) {
        return Incompatible(import, "table type or limits do not match");
      }
      return absl::OkStatus();
    }
    case wasm::ExternKind::kMemory: {
      const wasm::MemoryType& actual = std::get<Memory>(definition).type();
      if (!LimitsMatch(actual.limits, import.memory.limits)) {
        return Incompatible(import, "memory limits do not match");
      }
      return absl::OkStatus();
    }
    case wasm::ExternKind::kGlobal: {
      const wasm::GlobalType& actual = std::get<Global>(definition).type();
      if (actual != import.global) return Incompatible(import, "global type does not match");
      return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

// A constant expression's value (2.0: one instruction).
vm::ValRaw EvaluateConstExpr(const InstanceData& instance, const wasm::ConstExpr& expr) {
  absl::InlinedVector<wasm::Instruction, 2> code;
  vm::ValRaw value{};
  if (!wasm::DecodeConstExpr(expr, &code).ok() || code.empty()) return value;
  const wasm::Instruction& in = code[0];
  switch (in.opcode) {
    case wasm::Opcode::kI32Const: value.i32 = in.i32; break;
    case wasm::Opcode::kI64Const: value.i64 = in.i64; break;
    case wasm::Opcode::kF32Const: value.f32_bits = in.f32_bits; break;
    case wasm::Opcode::kF64Const: value.f64_bits = in.f64_bits; break;
    case wasm::Opcode::kV128Const:
      std::memcpy(value.v128, in.v128.data(), sizeof(value.v128));
      break;
    case wasm::Opcode::kRefNull: value.ref = nullptr; break;
    case wasm::Opcode::kRefFunc:
      value.ref = const_cast<vm::VMFuncRef*>(&instance.funcs[in.index]);
      break;
    case wasm::Opcode::kGlobalGet: value = instance.globals[in.index]->value; break;
    default: break;
  }
  return value;
}

// The memory and tables a module defines must fit the Store's limits and
// its budget at their initial sizes, all together, before any of them is
// made: a module declaring thousands of tables of millions of elements is
// refused at once instead of allocating tables until one fails.
absl::Status CheckRoomForDefinitions(const StoreState& state, const wasm::Module& m) {
  uint64_t elements = 0;  // at most 100,000 tables of u32 sizes: no overflow
  for (uint32_t t = m.num_imported_tables; t < m.tables.size(); ++t) {
    elements += m.tables[t].limits.min;
  }
  if (elements > state.table_elements_left()) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the module's ", m.tables.size() - m.num_imported_tables, " tables need ", elements,
        " elements together, over the Store's limit of ", state.limits().max_table_elements,
        " table elements (all its tables together; ", state.table_elements(), " in use)"));
  }
  uint64_t memory_pages = 0;  // at most 100 memories of at most 2^16 pages
  for (uint32_t i = m.num_imported_memories; i < m.memories.size(); ++i) {
    memory_pages += m.memories[i].limits.min;
  }
  if (absl::Status room = state.CheckMemoryRoom(memory_pages, "the module's memory"); !room.ok()) {
    return room;
  }
  const uint64_t bytes = memory_pages * wasm::kWasmPageSize + elements * sizeof(void*);
  if (state.limits().budget != nullptr && bytes > state.limits().budget->available()) {
    return state.BudgetExhausted(bytes, "instantiating this module's memory and tables");
  }
  return absl::OkStatus();
}

}  // namespace

void Linker::Define(std::string_view module, std::string_view name, Extern value) {
  definitions_.insert_or_assign({std::string(module), std::string(name)}, value);
}

void Linker::DefineInstance(std::string_view module, const Instance& instance) {
  for (const auto& [name, value] : instance.exports()) Define(module, name, value);
}

absl::StatusOr<Instance> Linker::Instantiate(Store& store,
                                             const std::shared_ptr<const Module>& module) const {
  const wasm::Module& m = module->wasm();
  StoreState& state = store.state();

  // Resolve every import before creating anything.
  std::vector<Extern> imports;
  for (const wasm::Import& import : m.imports) {
    auto it = definitions_.find(std::make_pair(import.module, import.name));
    if (it == definitions_.end()) {
      return absl::NotFoundError(absl::StrCat("unknown import: ", ImportName(import)));
    }
    if (absl::Status s = CheckImport(state, *module, import, it->second); !s.ok()) return s;
    imports.push_back(it->second);
  }
  if (absl::Status s = CheckRoomForDefinitions(state, m); !s.ok()) return s;

  state.AddModule(module);
  InstanceData* data = state.NewInstance(m.num_functions());
  data->module = module;
  uint32_t next_func = 0;
  for (size_t i = 0; i < imports.size(); ++i) {
    const Extern& e = imports[i];
    switch (m.imports[i].kind) {
      case wasm::ExternKind::kFunc: {
        vm::VMFuncRef* ref = std::get<Func>(e).vm_ref();
        if (ref->native_code == nullptr) {
          // An untyped host function gets its native entry from the first
          // module that imports it: this module's exit trampoline.
          ref->native_code = module->exit_trampoline(m.imports[i].func_type_index);
        }
        data->funcs[next_func++] = *ref;
        break;
      }
      case wasm::ExternKind::kTable: {
        TableInstance* table = std::get<Table>(e).instance();
        data->table_instances.push_back(table);
        data->tables.push_back(&table->vm);
        break;
      }
      case wasm::ExternKind::kMemory: data->memory = std::get<Memory>(e).instance(); break;
      case wasm::ExternKind::kGlobal: {
        GlobalInstance* global = std::get<Global>(e).instance();
        data->global_instances.push_back(global);
        data->globals.push_back(&global->cell);
        break;
      }
    }
  }
  for (uint32_t f = m.num_imported_functions; f < m.num_functions(); ++f) {
    vm::VMFuncRef& ref = data->funcs[f];
    const uint32_t type_index = m.function_type_indices[f];
    ref.native_code = module->function_code(f);
    ref.array_call = module->entry_trampoline(type_index);
    ref.vmctx = &data->vmctx;
    ref.type_id = module->type_ids()[type_index];
  }

  // The context generated code sees.
  vm::VMContext& vmctx = data->vmctx;
  vmctx.builtins = Builtins();
  vmctx.store = &state.vm_context();
  vmctx.funcs = data->funcs.data();
  vmctx.type_ids = module->type_ids().data();
  vmctx.instance = data;

  // Globals, in order: an initializer may read an imported global.
  for (uint32_t g = m.num_imported_globals; g < m.globals.size(); ++g) {
    GlobalInstance* global = state.NewGlobal();
    global->type = m.globals[g];
    global->cell.value = EvaluateConstExpr(*data, m.global_inits[g - m.num_imported_globals]);
    data->global_instances.push_back(global);
    data->globals.push_back(&global->cell);
  }
  vmctx.globals = data->globals.data();

  for (uint32_t t = m.num_imported_tables; t < m.tables.size(); ++t) {
    absl::StatusOr<Table> table =
        store.CreateTable(m.tables[t], Value::Ref(m.tables[t].element, nullptr));
    if (!table.ok()) return table.status();
    data->table_instances.push_back(table->instance());
    data->tables.push_back(&table->instance()->vm);
  }
  vmctx.tables = data->tables.data();

  if (m.num_imported_memories < m.memories.size()) {
    absl::StatusOr<Memory> memory = store.CreateMemory(m.memories[m.num_imported_memories]);
    if (!memory.ok()) return memory.status();
    data->memory = memory->instance();
  }
  if (data->memory != nullptr) {
    vmctx.memory = &data->memory->vm;
    vmctx.memory_base = data->memory->vm.base;
  }

  // Exports.
  // No placeholder Extern: a module without functions has no funcs[0].
  auto exported = [&](const wasm::Export& ex) -> Extern {
    switch (ex.kind) {
      case wasm::ExternKind::kFunc: return Func(&state, &data->funcs[ex.index]);
      case wasm::ExternKind::kTable: return Table(data->table_instances[ex.index]);
      case wasm::ExternKind::kMemory: return Memory(data->memory);
      case wasm::ExternKind::kGlobal: break;
    }
    return Global(data->global_instances[ex.index]);
  };
  for (const wasm::Export& ex : m.exports) {
    const Extern value = exported(ex);
    data->export_index[ex.name] = data->exports.size();
    data->exports.emplace_back(ex.name, value);
  }

  // Segments' contents, as table.init and memory.init will read them.
  for (const wasm::ElementSegment& segment : m.elements) {
    std::vector<void*> refs;
    refs.reserve(segment.size());
    if (segment.uses_expressions) {
      for (const wasm::ConstExpr& expr : segment.expressions) {
        refs.push_back(EvaluateConstExpr(*data, expr).ref);
      }
    } else {
      for (uint32_t f : segment.function_indices) refs.push_back(&data->funcs[f]);
    }
    data->elements.push_back(std::move(refs));
  }
  for (const wasm::DataSegment& segment : m.data) data->data.push_back(segment.bytes);

  // Active segments in order, elements first; a failing one traps, and what
  // the earlier ones wrote stays (the spec's 2.0 semantics).
  for (size_t s = 0; s < m.elements.size(); ++s) {
    const wasm::ElementSegment& segment = m.elements[s];
    if (segment.mode == wasm::SegmentMode::kActive) {
      const uint32_t offset = static_cast<uint32_t>(EvaluateConstExpr(*data, segment.offset_expr).i32);
      TableInstance& table = *data->table_instances[segment.table_index];
      const std::vector<void*>& refs = data->elements[s];
      if (uint64_t{offset} + refs.size() > table.elements.size()) {
        return TrapError(vm::TrapCode::kTableOutOfBounds);
      }
      std::copy(refs.begin(), refs.end(), table.elements.begin() + offset);
    }
    if (segment.mode != wasm::SegmentMode::kPassive) data->elements[s].clear();
  }
  for (size_t s = 0; s < m.data.size(); ++s) {
    const wasm::DataSegment& segment = m.data[s];
    if (segment.mode != wasm::SegmentMode::kActive) continue;
    const uint32_t offset = static_cast<uint32_t>(EvaluateConstExpr(*data, segment.offset_expr).i32);
    const uint64_t size = data->memory->vm.size_bytes;
    if (uint64_t{offset} + segment.bytes.size() > size) {
      return TrapError(vm::TrapCode::kMemoryOutOfBounds);
    }
    if (!segment.bytes.empty()) {
      std::memcpy(data->memory->vm.base + offset, segment.bytes.data(), segment.bytes.size());
    }
    data->data[s] = {};
  }

  if (m.start.has_value()) {
    absl::StatusOr<std::vector<Value>> result =
        store.Call(Func(&state, &data->funcs[*m.start]), {});
    if (!result.ok()) return result.status();
  }
  return Instance(data);
}

}  // namespace kiln::runtime
