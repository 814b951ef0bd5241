#include "module_generator.h"

#include <algorithm>
#include <array>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>

#include "kiln/wasm/opcode.h"
#include "kiln/wasm/types.h"
#include "module_builder.h"

namespace kiln::wasm::bench {
namespace {

using test::Encoder;
using test::LocalDecl;
using test::ModuleBuilder;

// The four numeric types, indexed 0..3; generated code uses no others.
constexpr std::array<ValType, 4> kNumTypes = {ValType::kI32, ValType::kI64, ValType::kF32,
                                              ValType::kF64};
size_t TypeSlot(ValType t) {
  switch (t) {
    case ValType::kI32:
      return 0;
    case ValType::kI64:
      return 1;
    case ValType::kF32:
      return 2;
    default:
      return 3;
  }
}

// An instruction with a fixed numeric signature, taken from the opcode table
// (opcode.h) so that the generator covers whatever the table describes.
struct OpShape {
  Opcode op;
  std::optional<ValType> result;
  std::vector<ValType> params;
  uint8_t natural_align_log2;
};

std::string_view OpSigName(OpSig sig) {
  switch (sig) {
#define KILN_OPSIG_NAME(name) \
  case OpSig::name:           \
    return #name;
    KILN_FOREACH_OPSIG(KILN_OPSIG_NAME)
#undef KILN_OPSIG_NAME
  }
  return "kSpecial";
}

// Parses "RESULT_PARAMS" (opcode.h); nullopt when it involves v128.
std::optional<OpShape> ShapeOf(Opcode op) {
  const OpcodeInfo& info = GetOpcodeInfo(op);
  if (info.sig == OpSig::kSpecial) return std::nullopt;
  const std::string_view name = OpSigName(info.sig);
  OpShape shape{op, std::nullopt, {}, info.natural_align_log2};
  bool in_params = false;
  for (char c : name) {
    if (c == '_') {
      in_params = true;
      continue;
    }
    ValType t;
    switch (c) {
      case 'I':
        t = ValType::kI32;
        break;
      case 'L':
        t = ValType::kI64;
        break;
      case 'F':
        t = ValType::kF32;
        break;
      case 'D':
        t = ValType::kF64;
        break;
      default:
        return std::nullopt;  // v128
    }
    if (in_params) {
      shape.params.push_back(t);
    } else {
      shape.result = t;
    }
  }
  return shape;
}

constexpr Opcode kAllOpcodes[] = {
#define KILN_OPCODE_VALUE(name, text, prefix, code, imm, sig, align) Opcode::k##name,
    KILN_FOREACH_OPCODE(KILN_OPCODE_VALUE)
#undef KILN_OPCODE_VALUE
};

// The numeric operators, loads and stores of the opcode table, by type.
struct OpTables {
  std::array<std::vector<OpShape>, 4> operators;  // by result type
  std::array<std::vector<OpShape>, 4> loads;      // by result type
  std::array<std::vector<OpShape>, 4> stores;     // by stored value type
};

OpTables BuildOpTables() {
  OpTables tables;
  for (Opcode op : kAllOpcodes) {
    const std::optional<OpShape> shape = ShapeOf(op);
    if (!shape.has_value()) continue;
    const ImmKind imm = GetOpcodeInfo(op).imm;
    if (imm == ImmKind::kNone && shape->result.has_value()) {
      tables.operators[TypeSlot(*shape->result)].push_back(*shape);
    } else if (imm == ImmKind::kMemArg && shape->result.has_value()) {
      tables.loads[TypeSlot(*shape->result)].push_back(*shape);
    } else if (imm == ImmKind::kMemArg && shape->params.size() == 2) {
      tables.stores[TypeSlot(shape->params[1])].push_back(*shape);
    }
  }
  return tables;
}

// What function bodies may refer to.
struct ModuleShape {
  std::vector<FuncType> types;
  std::vector<uint32_t> function_types;  // function index space
  // Function indices, and type indices, by result: 0..3 numeric, 4 none.
  std::array<std::vector<uint32_t>, 5> functions_by_result;
  std::array<std::vector<uint32_t>, 5> types_by_result;
  std::array<std::vector<uint32_t>, 4> mutable_globals;
  std::array<std::vector<uint32_t>, 4> immutable_globals;
  uint32_t table_size = 0;
};

size_t ResultSlot(const FuncType& type) {
  return type.results.empty() ? 4 : TypeSlot(type.results[0]);
}

// Generates one function body, valid by construction: Expr(t) leaves exactly
// one t on the stack, Stmt leaves the stack as it was.
class FunctionGenerator {
 public:
  FunctionGenerator(const ModuleShape& module, const OpTables& ops, std::mt19937& rng)
      : module_(module), ops_(ops), rng_(rng) {}

  Encoder Generate(const FuncType& type) {
    code_ = Encoder();
    labels_.clear();
    result_type_ = type.results.empty() ? std::nullopt : std::optional<ValType>(type.results[0]);
    std::array<std::vector<uint32_t>, 4> locals;
    for (uint32_t i = 0; i < type.params.size(); ++i) locals[TypeSlot(type.params[i])].push_back(i);
    // Declared locals: runs of each type, mostly i32, always one i32 at
    // least (loops count with it).
    std::vector<LocalDecl> decls;
    uint32_t next = static_cast<uint32_t>(type.params.size());
    for (size_t slot = 0; slot < 4; ++slot) {
      uint32_t n = Uniform(0, slot == 0 ? 6 : 2);
      if (slot == 0 && n == 0) n = 1;
      if (n == 0) continue;
      decls.push_back({n, kNumTypes[slot]});
      for (uint32_t i = 0; i < n; ++i) locals[slot].push_back(next++);
    }
    locals_ = std::move(locals);

    // Most functions are small; a few are large, as in real programs.
    const uint32_t size_class = Uniform(0, 99);
    const uint32_t statements = size_class < 45   ? Uniform(1, 3)
                                : size_class < 90 ? Uniform(3, 10)
                                                  : Uniform(10, 40);
    labels_.push_back(type.results.empty());  // the function's own label
    Stmts(statements, 2);
    if (!type.results.empty()) Expr(type.results[0], 2);
    code_.End();

    Encoder body;
    body.U32(static_cast<uint32_t>(decls.size()));
    for (const LocalDecl& d : decls) body.U32(d.count).Type(d.type);
    return body.Raw(code_);
  }

 private:
  uint32_t Uniform(uint32_t lo, uint32_t hi) {
    return std::uniform_int_distribution<uint32_t>(lo, hi)(rng_);
  }
  template <typename T>
  const T& PickFrom(const std::vector<T>& v) {
    return v[Uniform(0, static_cast<uint32_t>(v.size() - 1))];
  }
  ValType RandomType() {
    const uint32_t r = Uniform(0, 99);
    return r < 60 ? ValType::kI32 : r < 80 ? ValType::kI64 : r < 88 ? ValType::kF32 : ValType::kF64;
  }

  void Const(ValType t) {
    switch (t) {
      case ValType::kI32:
        code_.I32Const(Uniform(0, 3) ? static_cast<int32_t>(Uniform(0, 255))
                                     : static_cast<int32_t>(rng_()));
        break;
      case ValType::kI64:
        code_.I64Const(Uniform(0, 3) ? static_cast<int64_t>(Uniform(0, 1000))
                                     : static_cast<int64_t>((uint64_t{rng_()} << 32) | rng_()));
        break;
      case ValType::kF32:
        code_.F32Const(static_cast<float>(Uniform(0, 1000)) / 8);
        break;
      default:
        code_.F64Const(static_cast<double>(rng_()) / 1024);
        break;
    }
  }

  void Leaf(ValType t) {
    const std::vector<uint32_t>& locals = locals_[TypeSlot(t)];
    if (!locals.empty() && Uniform(0, 2) != 0) {
      code_.LocalGet(PickFrom(locals));
    } else {
      Const(t);
    }
  }

  // An i32 address: a local or constant, masked or offset like compiled
  // pointer arithmetic.
  void Address(int depth) {
    if (depth > 0 && Uniform(0, 3) == 0) {
      Expr(ValType::kI32, depth - 1);
    } else {
      Leaf(ValType::kI32);
    }
    if (Uniform(0, 1)) code_.I32Const(0xFFF0).Op(Opcode::kI32And);
  }

  void MemArg(const OpShape& op) {
    // Mostly natural alignment, as compilers emit; sometimes less.
    const uint32_t align =
        Uniform(0, 4) ? op.natural_align_log2 : Uniform(0, op.natural_align_log2);
    code_.U32(align).U32(Uniform(0, 3) ? Uniform(0, 64) * 4 : 0);
  }

  void Args(const FuncType& type, int depth) {
    for (ValType p : type.params) Expr(p, depth - 1);
  }

  void Expr(ValType t, int depth) {
    const size_t slot = TypeSlot(t);
    if (depth <= 0) return Leaf(t);
    const uint32_t r = Uniform(0, 99);
    if (r < 22) return Leaf(t);
    if (r < 50) {
      const OpShape& op = PickFrom(ops_.operators[slot]);
      for (ValType p : op.params) Expr(p, depth - 1);
      code_.Op(op.op);
      return;
    }
    if (r < 62) {
      const OpShape& op = PickFrom(ops_.loads[slot]);
      Address(depth - 1);
      code_.Op(op.op);
      MemArg(op);
      return;
    }
    if (r < 68 && !locals_[slot].empty()) {
      Expr(t, depth - 1);
      code_.LocalTee(PickFrom(locals_[slot]));
      return;
    }
    if (r < 76 && !module_.functions_by_result[slot].empty()) {
      const uint32_t f = PickFrom(module_.functions_by_result[slot]);
      Args(module_.types[module_.function_types[f]], depth);
      code_.Call(f);
      return;
    }
    if (r < 79 && !module_.types_by_result[slot].empty()) {
      const uint32_t type_index = PickFrom(module_.types_by_result[slot]);
      Args(module_.types[type_index], depth);
      code_.I32Const(static_cast<int32_t>(Uniform(0, module_.table_size - 1)));
      code_.Op(Opcode::kCallIndirect).U32(type_index).U32(0);
      return;
    }
    if (r < 84) {
      Expr(ValType::kI32, depth - 1);
      code_.If(t);
      labels_.push_back(false);
      Expr(t, depth - 1);
      code_.Op(Opcode::kElse);
      Expr(t, depth - 1);
      labels_.pop_back();
      code_.End();
      return;
    }
    if (r < 88) {
      // A block that may leave early with its value: br_if keeps the value
      // on the stack when not taken.
      code_.Block(t);
      labels_.push_back(false);
      Stmts(Uniform(0, 2), depth - 1);
      Expr(t, depth - 1);
      Expr(ValType::kI32, depth - 1);
      code_.BrIf(0);
      labels_.pop_back();
      code_.End();
      return;
    }
    if (r < 93) {
      Expr(t, depth - 1);
      Expr(t, depth - 1);
      Expr(ValType::kI32, depth - 1);
      code_.Op(Opcode::kSelect);
      return;
    }
    const std::vector<uint32_t>& globals =
        Uniform(0, 1) ? module_.mutable_globals[slot] : module_.immutable_globals[slot];
    if (globals.empty()) return Leaf(t);
    code_.GlobalGet(PickFrom(globals));
  }

  // Depth, counted outwards, of a random enclosing label that takes no
  // values; nullopt when there is none.
  std::optional<uint32_t> EmptyLabel() {
    std::vector<uint32_t> candidates;
    for (size_t i = 0; i < labels_.size(); ++i) {
      if (labels_[labels_.size() - 1 - i]) candidates.push_back(static_cast<uint32_t>(i));
    }
    if (candidates.empty()) return std::nullopt;
    // Mostly the innermost ones, as structured control flow compiles to.
    return candidates[Uniform(0,
                              std::min<uint32_t>(2, static_cast<uint32_t>(candidates.size() - 1)))];
  }

  void Stmts(uint32_t n, int depth) {
    for (uint32_t i = 0; i < n; ++i) Stmt(depth);
  }

  void Stmt(int depth) {
    const uint32_t r = Uniform(0, 99);
    // Expression trees are shallow in compiled code: locals hold the rest.
    const int expr_depth = Uniform(0, 6) == 0 ? 3 : static_cast<int>(Uniform(1, 2));
    if (r < 28) {
      const ValType t = RandomType();
      const std::vector<uint32_t>& locals = locals_[TypeSlot(t)];
      if (locals.empty()) return Stmt(depth);
      Expr(t, expr_depth);
      code_.LocalSet(PickFrom(locals));
      return;
    }
    if (r < 40) {
      const ValType t = RandomType();
      const OpShape& op = PickFrom(ops_.stores[TypeSlot(t)]);
      Address(expr_depth);
      Expr(t, expr_depth);
      code_.Op(op.op);
      MemArg(op);
      return;
    }
    if (r < 46) {
      const ValType t = RandomType();
      const std::vector<uint32_t>& globals = module_.mutable_globals[TypeSlot(t)];
      if (globals.empty()) return Stmt(depth);
      Expr(t, expr_depth);
      code_.GlobalSet(PickFrom(globals));
      return;
    }
    if (r < 56) {
      // A call for its effect; any result is dropped.
      const uint32_t f = Uniform(0, static_cast<uint32_t>(module_.function_types.size() - 1));
      const FuncType& type = module_.types[module_.function_types[f]];
      Args(type, expr_depth);
      code_.Call(f);
      for (size_t i = 0; i < type.results.size(); ++i) code_.Op(Opcode::kDrop);
      return;
    }
    if (r < 60 || depth <= 0) {
      Expr(RandomType(), expr_depth);
      code_.Op(Opcode::kDrop);
      return;
    }
    if (r < 70) {
      Expr(ValType::kI32, expr_depth);
      code_.If();
      labels_.push_back(true);
      Stmts(Uniform(1, 4), depth - 1);
      if (Uniform(0, 2) == 0) {
        code_.Op(Opcode::kElse);
        Stmts(Uniform(1, 3), depth - 1);
      }
      labels_.pop_back();
      code_.End();
      return;
    }
    if (r < 79) {
      code_.Block();
      labels_.push_back(true);
      Stmts(Uniform(0, 3), depth - 1);
      Expr(ValType::kI32, expr_depth);
      code_.BrIf(*EmptyLabel());
      Stmts(Uniform(1, 3), depth - 1);
      labels_.pop_back();
      code_.End();
      return;
    }
    if (r < 87) {
      // A counted loop: the body, then decrement a counter and branch back.
      const uint32_t counter = PickFrom(locals_[0]);
      code_.Loop();
      labels_.push_back(true);
      Stmts(Uniform(1, 4), depth - 1);
      code_.LocalGet(counter).I32Const(1).Op(Opcode::kI32Sub).LocalTee(counter).BrIf(0);
      labels_.pop_back();
      code_.End();
      return;
    }
    if (r < 91) {
      // A switch: nested blocks left by br_table.
      const uint32_t cases = Uniform(2, 5);
      for (uint32_t i = 0; i < cases; ++i) {
        code_.Block();
        labels_.push_back(true);
      }
      Expr(ValType::kI32, expr_depth);
      code_.Op(Opcode::kBrTable).U32(cases - 1);
      for (uint32_t i = 0; i + 1 < cases; ++i) code_.U32(i);
      code_.U32(cases - 1);
      for (uint32_t i = 0; i < cases; ++i) {
        code_.End();
        labels_.pop_back();
        if (i + 1 < cases) Stmts(Uniform(0, 2), depth - 1);
      }
      return;
    }
    if (r < 94) {
      // An early return under a condition.
      Expr(ValType::kI32, expr_depth);
      code_.If();
      labels_.push_back(true);
      if (result_type_.has_value()) Expr(*result_type_, expr_depth);
      code_.Op(Opcode::kReturn);
      labels_.pop_back();
      code_.End();
      return;
    }
    if (const std::optional<uint32_t> label = EmptyLabel(); label.has_value()) {
      Expr(ValType::kI32, expr_depth);
      code_.BrIf(*label);
      return;
    }
    Expr(ValType::kI32, expr_depth);
    code_.Op(Opcode::kDrop);
  }

  const ModuleShape& module_;
  const OpTables& ops_;
  std::mt19937& rng_;
  Encoder code_;
  std::array<std::vector<uint32_t>, 4> locals_;
  // Enclosing labels, outermost first: true when a branch to it takes no
  // values (so statements may branch there).
  std::vector<bool> labels_;
  std::optional<ValType> result_type_;  // of the function being generated
};

}  // namespace

GeneratedModule GenerateModule(const GeneratorOptions& options) {
  std::mt19937 rng(options.seed);
  auto uniform = [&rng](uint32_t lo, uint32_t hi) {
    return std::uniform_int_distribution<uint32_t>(lo, hi)(rng);
  };
  const OpTables ops = BuildOpTables();
  ModuleShape shape;
  ModuleBuilder b;

  // Signatures: up to four numeric parameters, most with one result.
  constexpr uint32_t kNumTypesDeclared = 24;
  for (uint32_t i = 0; i < kNumTypesDeclared; ++i) {
    FuncType type;
    const uint32_t num_params = uniform(0, 4);
    for (uint32_t p = 0; p < num_params; ++p) type.params.push_back(kNumTypes[uniform(0, 3)]);
    if (uniform(0, 3) != 0)
      type.results.push_back(kNumTypes[uniform(0, 3) == 0 ? uniform(0, 3) : 0]);
    shape.types_by_result[ResultSlot(type)].push_back(b.AddType(type.params, type.results));
    shape.types.push_back(std::move(type));
  }
  auto add_type = [&](std::vector<ValType> params, std::vector<ValType> results) {
    FuncType type{std::move(params), std::move(results)};
    shape.types_by_result[ResultSlot(type)].push_back(b.AddType(type.params, type.results));
    shape.types.push_back(type);
    return static_cast<uint32_t>(shape.types.size() - 1);
  };

  // Host functions, as a runtime would provide.
  const std::pair<const char*, uint32_t> imports[] = {
      {"log_i32", add_type({ValType::kI32}, {})},
      {"now", add_type({}, {ValType::kF64})},
      {"random", add_type({}, {ValType::kI32})},
      {"abort", add_type({ValType::kI32, ValType::kI32}, {})},
  };
  for (const auto& [name, type_index] : imports) {
    const uint32_t f = b.ImportFunction("env", name, type_index);
    shape.function_types.push_back(type_index);
    shape.functions_by_result[ResultSlot(shape.types[type_index])].push_back(f);
  }

  // Decide every function's type first: bodies call functions defined later.
  const uint32_t first_defined = static_cast<uint32_t>(shape.function_types.size());
  for (uint32_t i = 0; i < options.num_functions; ++i) {
    const uint32_t type_index = uniform(0, kNumTypesDeclared - 1);
    shape.functions_by_result[ResultSlot(shape.types[type_index])].push_back(
        static_cast<uint32_t>(shape.function_types.size()));
    shape.function_types.push_back(type_index);
  }

  b.AddMemory(16, 1024);
  for (size_t slot = 0; slot < 4; ++slot) {
    for (int i = 0; i < 3; ++i) {
      const ValType t = kNumTypes[slot];
      Encoder init;
      switch (t) {
        case ValType::kI32:
          init.I32Const(static_cast<int32_t>(uniform(0, 1 << 20)));
          break;
        case ValType::kI64:
          init.I64Const(uniform(0, 1 << 20));
          break;
        case ValType::kF32:
          init.F32Const(1.5f);
          break;
        default:
          init.F64Const(2.5);
          break;
      }
      const bool is_mutable = i != 2;
      const uint32_t g = b.AddGlobal(t, is_mutable, init.End());
      (is_mutable ? shape.mutable_globals : shape.immutable_globals)[slot].push_back(g);
    }
  }

  // A table of address-taken functions for call_indirect.
  shape.table_size = 1024;
  b.AddTable(ValType::kFuncRef, shape.table_size, shape.table_size);
  std::vector<uint32_t> table_entries;
  for (uint32_t i = 0; i < shape.table_size; ++i) {
    table_entries.push_back(first_defined + uniform(0, options.num_functions - 1));
  }
  b.AddActiveElements(0, table_entries);

  FunctionGenerator generator(shape, ops, rng);
  GeneratedModule out;
  for (uint32_t i = 0; i < options.num_functions; ++i) {
    const uint32_t type_index = shape.function_types[first_defined + i];
    const FuncType& type = shape.types[type_index];
    const Encoder body = generator.Generate(type);
    out.code_bytes += body.size();
    b.AddFunctionBody(type_index, body);
  }

  b.AddExport("memory", ExternKind::kMemory, 0);
  for (uint32_t i = 0; i < std::min<uint32_t>(options.num_functions, 200); ++i) {
    std::string name = "f";
    name += std::to_string(i);
    b.AddExport(name, ExternKind::kFunc, first_defined + i);
  }

  // Data, as static initializers would have.
  for (uint32_t s = 0; s < 4; ++s) {
    std::string data(4096, '\0');
    for (char& c : data) c = static_cast<char>(uniform(0, 255));
    b.AddActiveData(static_cast<int32_t>(s * 8192), data);
  }

  // Function names, as toolchains emit by default.
  Encoder names;
  names.U32(static_cast<uint32_t>(shape.function_types.size()));
  for (uint32_t f = 0; f < shape.function_types.size(); ++f) {
    std::string name = "func_";
    name += std::to_string(f);
    names.U32(f).Name(name);
  }
  b.AddCustomSection("name", Encoder().Byte(1).U32(static_cast<uint32_t>(names.size())).Raw(names));

  out.bytes = b.Build();
  out.num_functions = options.num_functions;
  return out;
}

}  // namespace kiln::wasm::bench
