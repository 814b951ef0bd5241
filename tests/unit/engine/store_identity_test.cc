// Store identity: every handle and funcref belongs to one Store. Using one
// with another Store (calling it, importing it, writing it into a table or
// global, passing it as an argument) is INVALID_ARGUMENT and changes
// nothing; above all, no Store is left pointing into another, which could
// be destroyed first.
#include <cstdint>
#include <memory>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine_test_util.h"
#include "gtest/gtest.h"

namespace kiln::engine_test {
namespace {

// Exports:
//   answer() -> 42
//   table (funcref, 2 elements), global (mutable funcref)
//   call_at(i) -> i32: calls table[i] as [] -> [i32]
//   take(funcref) -> i32: 1 for a non-null funcref, else 0
Bytes Exporter() {
  ModuleBuilder m;
  const uint32_t v_i = m.AddType({}, {ValType::kI32});
  const uint32_t i_i = m.AddType({ValType::kI32}, {ValType::kI32});
  const uint32_t r_i = m.AddType({ValType::kFuncRef}, {ValType::kI32});
  const uint32_t table = m.AddTable(ValType::kFuncRef, 2, 10);
  const uint32_t global =
      m.AddGlobal(ValType::kFuncRef, true, Encoder().Op(Opcode::kRefNull).Byte(0x70).End());
  const uint32_t answer = m.AddFunction(v_i, {}, Encoder().I32Const(42).End());
  m.AddExport("answer", ExternKind::kFunc, answer);
  m.AddExport("table", ExternKind::kTable, table);
  m.AddExport("global", ExternKind::kGlobal, global);
  m.AddExport("call_at", ExternKind::kFunc,
              m.AddFunction(i_i, {},
                            Encoder().LocalGet(0).Op(Opcode::kCallIndirect).U32(v_i).U32(0).End()));
  m.AddExport("take", ExternKind::kFunc,
              m.AddFunction(r_i, {},
                            Encoder().LocalGet(0).Op(Opcode::kRefIsNull).Op(Opcode::kI32Eqz).End()));
  m.AddActiveElements(0, {answer});
  return m.Build();
}

// Imports one of each kind from "env" and exports call_f, which calls f.
Bytes Importer() {
  ModuleBuilder m;
  const uint32_t v_i = m.AddType({}, {ValType::kI32});
  const uint32_t f = m.ImportFunction("env", "f", v_i);
  m.ImportTable("env", "table", ValType::kFuncRef, 1);
  m.ImportMemory("env", "memory", 1);
  m.ImportGlobal("env", "global", ValType::kI32, true);
  m.AddExport("call_f", ExternKind::kFunc, m.AddFunction(v_i, {}, Encoder().Call(f).End()));
  return m.Build();
}

class StoreIdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::shared_ptr<const runtime::Module>> module =
        CompileModule(engine_, Exporter());
    ASSERT_TRUE(module.ok()) << module.status();
    absl::StatusOr<runtime::Instance> a = runtime::Linker().Instantiate(a_, *module);
    ASSERT_TRUE(a.ok()) << a.status();
    absl::StatusOr<runtime::Instance> b = runtime::Linker().Instantiate(b_, *module);
    ASSERT_TRUE(b.ok()) << b.status();
    a_instance_ = *a;
    b_instance_ = *b;
  }

  template <typename T>
  T Export(const runtime::Instance& instance, std::string_view name) {
    std::optional<runtime::Extern> e = instance.GetExport(name);
    EXPECT_TRUE(e.has_value() && std::holds_alternative<T>(*e)) << name;
    return std::get<T>(*e);
  }

  runtime::Engine engine_;
  runtime::Store a_{engine_};
  runtime::Store b_{engine_};
  std::optional<runtime::Instance> a_instance_;
  std::optional<runtime::Instance> b_instance_;
};

TEST_F(StoreIdentityTest, CallingAnotherStoresFunctionIsRefused) {
  const runtime::Func answer = Export<runtime::Func>(*a_instance_, "answer");
  EXPECT_TRUE(HasError(b_.Call(answer, {}).status(), absl::StatusCode::kInvalidArgument,
                       "the function belongs to another Store"));
  const runtime::Func host = a_.CreateHostFunc(
      {{}, {ValType::kI32}}, [](std::span<const Value>, std::span<Value> results) {
        results[0] = Value::I32(7);
        return absl::OkStatus();
      });
  EXPECT_TRUE(HasError(b_.Call(host, {}).status(), absl::StatusCode::kInvalidArgument,
                       "the function belongs to another Store"));
  // Both Stores go on working.
  EXPECT_EQ(*InvokeI32(a_, *a_instance_, "answer"), 42);
  EXPECT_EQ(*InvokeI32(b_, *b_instance_, "answer"), 42);
}

TEST_F(StoreIdentityTest, AStoreFromAnotherEngineIsAnotherStore) {
  runtime::Engine other_engine;
  runtime::Store other(other_engine);
  const runtime::Func answer = Export<runtime::Func>(*a_instance_, "answer");
  EXPECT_TRUE(HasError(other.Call(answer, {}).status(), absl::StatusCode::kInvalidArgument,
                       "another Store"));
}

TEST_F(StoreIdentityTest, ImportingAnotherStoresDefinitionsIsRefusedByName) {
  absl::StatusOr<std::shared_ptr<const runtime::Module>> importer =
      CompileModule(engine_, Importer());
  ASSERT_TRUE(importer.ok()) << importer.status();

  // A definition of `name` made in `store`.
  auto definition = [](runtime::Store& store, std::string_view name) -> runtime::Extern {
    if (name == "f") {
      return store.CreateHostFunc({{}, {ValType::kI32}},
                                  [](std::span<const Value>, std::span<Value> results) {
                                    results[0] = Value::I32(5);
                                    return absl::OkStatus();
                                  });
    }
    if (name == "table") {
      return *store.CreateTable({ValType::kFuncRef, {1, std::nullopt}},
                                Value::Ref(ValType::kFuncRef, nullptr));
    }
    if (name == "memory") return *store.CreateMemory({{1, std::nullopt}});
    return *store.CreateGlobal({ValType::kI32, true}, Value::I32(0));
  };
  const std::vector<std::string_view> names = {"f", "table", "memory", "global"};
  const std::vector<std::string_view> kinds = {"func", "table", "memory", "global"};
  for (size_t foreign = 0; foreign < names.size(); ++foreign) {
    SCOPED_TRACE(names[foreign]);
    runtime::Store c(engine_);
    runtime::Linker linker;
    for (std::string_view name : names) linker.Define("env", name, definition(c, name));
    // The same linker with one definition of Store a_ is refused, naming
    // the import and its kind.
    runtime::Linker mixed = linker;
    mixed.Define("env", names[foreign], definition(a_, names[foreign]));
    EXPECT_TRUE(HasError(mixed.Instantiate(c, *importer).status(),
                         absl::StatusCode::kInvalidArgument,
                         absl::StrCat("import \"env\" \"", std::string(names[foreign]),
                                      "\": the ", std::string(kinds[foreign]),
                                      " defined for it belongs to another Store")));
    // Store c is untouched and instantiates with its own definitions.
    absl::StatusOr<runtime::Instance> instance = linker.Instantiate(c, *importer);
    ASSERT_TRUE(instance.ok()) << instance.status();
    EXPECT_EQ(*InvokeI32(c, *instance, "call_f"), 5);
  }
}

TEST_F(StoreIdentityTest, AnotherStoresFuncrefIsNeverStored) {
  const Value foreign = Export<runtime::Func>(*a_instance_, "answer").AsValue();
  const Value own = Export<runtime::Func>(*b_instance_, "answer").AsValue();

  runtime::Table table = Export<runtime::Table>(*b_instance_, "table");
  EXPECT_TRUE(HasError(table.Set(1, foreign), absl::StatusCode::kInvalidArgument,
                       "a funcref of another Store cannot be used in the table"));
  EXPECT_EQ(table.Grow(1, foreign), -1);
  EXPECT_EQ(table.size(), 2u);
  ASSERT_TRUE(table.Set(1, own).ok());
  EXPECT_EQ(*InvokeI32(b_, *b_instance_, "call_at", {Value::I32(1)}), 42);

  runtime::Global global = Export<runtime::Global>(*b_instance_, "global");
  EXPECT_TRUE(HasError(global.Set(foreign), absl::StatusCode::kInvalidArgument,
                       "a funcref of another Store cannot be used in the global"));
  EXPECT_EQ(global.Get().ref(), nullptr);
  EXPECT_TRUE(global.Set(own).ok());

  const std::vector<Value> args = {foreign};
  EXPECT_TRUE(HasError(b_.Call(Export<runtime::Func>(*b_instance_, "take"), args).status(),
                       absl::StatusCode::kInvalidArgument,
                       "a funcref of another Store cannot be used in argument 0"));
  EXPECT_EQ(*InvokeI32(b_, *b_instance_, "take", {own}), 1);

  EXPECT_TRUE(HasError(
      b_.CreateTable({ValType::kFuncRef, {1, std::nullopt}}, foreign).status(),
      absl::StatusCode::kInvalidArgument, "another Store"));
  EXPECT_TRUE(HasError(b_.CreateGlobal({ValType::kFuncRef, false}, foreign).status(),
                       absl::StatusCode::kInvalidArgument, "another Store"));
}

// What the checks protect: a Store that outlives another holds nothing of
// it. Store a_'s funcrefs were refused everywhere above; here Store a is
// destroyed after a refused attempt and b goes on running its own code.
TEST_F(StoreIdentityTest, AStoreOutlivesTheOneWhoseFuncrefsItRefused) {
  auto a = std::make_unique<runtime::Store>(engine_);
  absl::StatusOr<std::shared_ptr<const runtime::Module>> module =
      CompileModule(engine_, Exporter());
  ASSERT_TRUE(module.ok()) << module.status();
  absl::StatusOr<runtime::Instance> in_a = runtime::Linker().Instantiate(*a, *module);
  ASSERT_TRUE(in_a.ok()) << in_a.status();
  runtime::Table table = Export<runtime::Table>(*b_instance_, "table");
  EXPECT_FALSE(table.Set(1, Export<runtime::Func>(*in_a, "answer").AsValue()).ok());
  a.reset();
  EXPECT_TRUE(IsTrap(Invoke(b_, *b_instance_, "call_at", {Value::I32(1)}).status(),
                     TrapCode::kIndirectCallToNull));
  EXPECT_EQ(*InvokeI32(b_, *b_instance_, "call_at", {Value::I32(0)}), 42);
}

}  // namespace
}  // namespace kiln::engine_test
