#include "spectest_module.h"

#include <span>
#include <string_view>

#include "absl/status/statusor.h"

namespace kiln::spec {
namespace {

using runtime::Value;
using wasm::ValType;

constexpr std::string_view kModuleName = "spectest";

absl::Status DefineGlobal(runtime::Store& store, runtime::Linker& linker, std::string_view name,
                          const Value& value) {
  absl::StatusOr<runtime::Global> global =
      store.CreateGlobal(wasm::GlobalType{value.type(), /*is_mutable=*/false}, value);
  if (!global.ok()) return global.status();
  linker.Define(kModuleName, name, *global);
  return absl::OkStatus();
}

}  // namespace

absl::Status DefineSpectest(runtime::Store& store, runtime::Linker& linker) {
  struct PrintFunc {
    std::string_view name;
    wasm::FuncType type;
  };
  const PrintFunc kPrintFuncs[] = {
      {"print", {{}, {}}},
      {"print_i32", {{ValType::kI32}, {}}},
      {"print_i64", {{ValType::kI64}, {}}},
      {"print_f32", {{ValType::kF32}, {}}},
      {"print_f64", {{ValType::kF64}, {}}},
      {"print_i32_f32", {{ValType::kI32, ValType::kF32}, {}}},
      {"print_f64_f64", {{ValType::kF64, ValType::kF64}, {}}},
  };
  for (const PrintFunc& print : kPrintFuncs) {
    runtime::Func func = store.CreateHostFunc(
        print.type,
        [](std::span<const Value>, std::span<Value>) -> absl::Status { return absl::OkStatus(); });
    linker.Define(kModuleName, print.name, func);
  }

  // 666.6 is not exact in binary; the spec means the nearest float and the
  // nearest double, which is what these literals give.
  struct GlobalDef {
    std::string_view name;
    Value value;
  };
  const GlobalDef kGlobals[] = {
      {"global_i32", Value::I32(666)},
      {"global_i64", Value::I64(666)},
      {"global_f32", Value::F32(666.6f)},
      {"global_f64", Value::F64(666.6)},
  };
  for (const GlobalDef& global : kGlobals) {
    if (absl::Status status = DefineGlobal(store, linker, global.name, global.value);
        !status.ok()) {
      return status;
    }
  }

  absl::StatusOr<runtime::Table> table =
      store.CreateTable(wasm::TableType{ValType::kFuncRef, wasm::Limits{10, 20}},
                        Value::Ref(ValType::kFuncRef, nullptr));
  if (!table.ok()) return table.status();
  linker.Define(kModuleName, "table", *table);

  absl::StatusOr<runtime::Memory> memory = store.CreateMemory(wasm::MemoryType{wasm::Limits{1, 2}});
  if (!memory.ok()) return memory.status();
  linker.Define(kModuleName, "memory", *memory);
  return absl::OkStatus();
}

}  // namespace kiln::spec
