// Module-level validation rules: everything outside function bodies
// (validate_module.cc validates the bodies). Apart from the bodies' driver
// so that a program which only checks an artifact's declarations (the
// runtime's loader) links no TBB.
#include <algorithm>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "kiln/wasm/decoder.h"
#include "kiln/wasm/error.h"
#include "kiln/wasm/validator.h"
#include "validation_context.h"

namespace kiln::wasm {
namespace {

using internal::ValidationContext;

absl::Status Invalid(size_t offset, std::string_view message) {
  return MakeWasmError(ErrorKind::kInvalid, offset, message);
}

class ModuleValidator {
 public:
  ModuleValidator(const Module& module, const ValidationContext& ctx)
      : m_(module), ctx_(ctx) {}

  absl::Status ValidateDeclarations();

 private:
  absl::Status CheckTypeIndex(size_t at, uint32_t index) const {
    if (index >= m_.types.size()) return Invalid(at, absl::StrCat("unknown type ", index));
    return absl::OkStatus();
  }
  absl::Status CheckLimits(size_t at, const Limits& limits, uint64_t bound,
                           std::string_view too_large) const;
  absl::Status CheckTableType(size_t at, const TableType& type) const {
    return CheckLimits(at, type.limits, UINT32_MAX, "table size must be at most 2^32-1");
  }
  absl::Status CheckMemoryType(size_t at, const MemoryType& type) const {
    return CheckLimits(at, type.limits, kMaxMemoryPages,
                       "memory size must be at most 65536 pages (4GiB)");
  }
  // `visible_globals`: how many globals the expression may name in 3.0 (a
  // global's initializer sees the globals before it, the rest see all).
  absl::Status CheckConstExpr(const ConstExpr& expr, ValType expected,
                              size_t visible_globals) const;

  const Module& m_;
  const ValidationContext& ctx_;
};

absl::Status ModuleValidator::CheckLimits(size_t at, const Limits& limits, uint64_t bound,
                                          std::string_view too_large) const {
  if (limits.min > bound || (limits.max.has_value() && *limits.max > bound)) {
    return Invalid(at, too_large);
  }
  if (limits.max.has_value() && limits.min > *limits.max) {
    return Invalid(at, "size minimum must not be greater than maximum");
  }
  return absl::OkStatus();
}

// 2.0 constant expressions: t.const, ref.null, ref.func, and global.get of an
// immutable imported global; the result must be exactly one value of
// `expected`.
absl::Status ModuleValidator::CheckConstExpr(const ConstExpr& expr, ValType expected,
                                             size_t visible_globals) const {
  absl::InlinedVector<Instruction, 2> instructions;
  if (absl::Status s = DecodeConstExpr(expr, &instructions); !s.ok()) return s;
  std::vector<ValType> stack;
  for (const Instruction& in : instructions) {
    switch (in.opcode) {
      case Opcode::kI32Const: stack.push_back(ValType::kI32); break;
      case Opcode::kI64Const: stack.push_back(ValType::kI64); break;
      case Opcode::kF32Const: stack.push_back(ValType::kF32); break;
      case Opcode::kF64Const: stack.push_back(ValType::kF64); break;
      case Opcode::kV128Const: stack.push_back(ValType::kV128); break;
      case Opcode::kRefNull: stack.push_back(in.value_type); break;
      case Opcode::kRefFunc:
        if (in.index >= m_.num_functions()) {
          return Invalid(in.offset, absl::StrCat("unknown function ", in.index));
        }
        stack.push_back(ValType::kFuncRef);
        break;
      case Opcode::kGlobalGet: {
        // 2.0 lets a constant expression read only imported globals; 3.0
        // also the module's own, which Kiln does not do yet.
        if (in.index >= visible_globals) {
          return Invalid(in.offset, absl::StrCat("unknown global ", in.index));
        }
        if (in.index >= m_.num_imported_globals) {
          return MakeWasmError(
              ErrorKind::kUnsupported, in.offset,
              absl::StrCat("unknown global ", in.index,
                           ": reading the module's own globals in constant expressions "
                           "is not supported yet"));
        }
        const GlobalType& g = m_.globals[in.index];
        if (g.is_mutable) {
          return Invalid(in.offset, "constant expression required: global.get of a mutable global");
        }
        stack.push_back(g.type);
        break;
      }
      default:
        return Invalid(in.offset, absl::StrCat("constant expression required: ",
                                               std::string(OpcodeName(in.opcode)),
                                               " is not constant"));
    }
  }
  if (stack.size() != 1 || stack[0] != expected) {
    return Invalid(expr.offset,
                   absl::StrCat("type mismatch: constant expression must produce one ",
                                std::string(ValTypeName(expected))));
  }
  return absl::OkStatus();
}

absl::Status ModuleValidator::ValidateDeclarations() {
  for (const Import& imp : m_.imports) {
    absl::Status s;
    switch (imp.kind) {
      case ExternKind::kFunc: s = CheckTypeIndex(imp.offset, imp.func_type_index); break;
      case ExternKind::kTable: s = CheckTableType(imp.offset, imp.table); break;
      case ExternKind::kMemory: s = CheckMemoryType(imp.offset, imp.memory); break;
      case ExternKind::kGlobal: break;
    }
    if (!s.ok()) return s;
  }
  for (uint32_t i = m_.num_imported_functions; i < m_.num_functions(); ++i) {
    const FunctionBody& body = m_.bodies[i - m_.num_imported_functions];
    if (absl::Status s = CheckTypeIndex(body.offset, m_.function_type_indices[i]); !s.ok()) {
      return s;
    }
  }
  for (size_t i = m_.num_imported_tables; i < m_.tables.size(); ++i) {
    if (absl::Status s = CheckTableType(0, m_.tables[i]); !s.ok()) return s;
  }
  if (m_.memories.size() > 1) {
    return MakeWasmError(ErrorKind::kUnsupported, 0,
                         "multiple memories: multi-memory is not supported yet");
  }
  for (size_t i = m_.num_imported_memories; i < m_.memories.size(); ++i) {
    if (absl::Status s = CheckMemoryType(0, m_.memories[i]); !s.ok()) return s;
  }
  for (size_t i = 0; i < m_.global_inits.size(); ++i) {
    const GlobalType& type = m_.globals[m_.num_imported_globals + i];
    if (absl::Status s = CheckConstExpr(m_.global_inits[i], type.type, m_.num_imported_globals + i);
        !s.ok()) {
      return s;
    }
  }

  absl::flat_hash_set<std::string> export_names;
  export_names.reserve(m_.exports.size());
  for (const Export& exp : m_.exports) {
    if (!export_names.insert(exp.name).second) {
      return Invalid(exp.offset, absl::StrCat("duplicate export name \"", exp.name, "\""));
    }
    size_t count = 0;
    switch (exp.kind) {
      case ExternKind::kFunc: count = m_.num_functions(); break;
      case ExternKind::kTable: count = m_.tables.size(); break;
      case ExternKind::kMemory: count = m_.memories.size(); break;
      case ExternKind::kGlobal: count = m_.globals.size(); break;
    }
    if (exp.index >= count) {
      return Invalid(exp.offset, absl::StrCat("unknown ", std::string(ExternKindName(exp.kind)),
                                              " ", exp.index));
    }
  }

  if (m_.start.has_value()) {
    if (*m_.start >= m_.num_functions()) {
      return Invalid(m_.start_offset, absl::StrCat("unknown function ", *m_.start));
    }
    const FuncType& type = m_.function_type(*m_.start);
    if (!type.params.empty() || !type.results.empty()) {
      return Invalid(m_.start_offset,
                     absl::StrCat("start function must have type [] -> [], not ",
                                  FuncTypeToString(type)));
    }
  }

  for (const ElementSegment& seg : m_.elements) {
    if (seg.mode == SegmentMode::kActive) {
      if (seg.table_index >= m_.tables.size()) {
        return Invalid(seg.offset, absl::StrCat("unknown table ", seg.table_index));
      }
      if (m_.tables[seg.table_index].element != seg.type) {
        return Invalid(seg.offset, "type mismatch: element segment and table types differ");
      }
      if (absl::Status s = CheckConstExpr(seg.offset_expr, ValType::kI32, m_.globals.size()); !s.ok()) return s;
    }
    for (uint32_t f : seg.function_indices) {
      if (f >= m_.num_functions()) {
        return Invalid(seg.offset, absl::StrCat("unknown function ", f));
      }
    }
    for (const ConstExpr& e : seg.expressions) {
      if (absl::Status s = CheckConstExpr(e, seg.type, m_.globals.size()); !s.ok()) return s;
    }
  }

  for (const DataSegment& seg : m_.data) {
    if (seg.mode != SegmentMode::kActive) continue;
    if (seg.memory_index >= m_.memories.size()) {
      return Invalid(seg.offset, absl::StrCat("unknown memory ", seg.memory_index));
    }
    if (absl::Status s = CheckConstExpr(seg.offset_expr, ValType::kI32, m_.globals.size()); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace

namespace internal {

ValidationContext MakeValidationContext(const Module& module,
                                        const ImplementationLimits& limits) {
  ValidationContext ctx{module, limits, std::vector<bool>(module.num_functions(), false)};
  auto declare = [&ctx](uint32_t f) {
    if (f < ctx.declared_refs.size()) ctx.declared_refs[f] = true;
  };
  absl::InlinedVector<Instruction, 2> instructions;
  auto declare_in = [&](const ConstExpr& e) {
    if (!DecodeConstExpr(e, &instructions).ok()) return;  // DecodeModule checked these bytes
    for (const Instruction& in : instructions) {
      if (in.opcode == Opcode::kRefFunc) declare(in.index);
    }
  };
  for (const ConstExpr& e : module.global_inits) declare_in(e);
  for (const Export& exp : module.exports) {
    if (exp.kind == ExternKind::kFunc) declare(exp.index);
  }
  for (const ElementSegment& seg : module.elements) {
    for (uint32_t f : seg.function_indices) declare(f);
    for (const ConstExpr& e : seg.expressions) declare_in(e);
  }
  return ctx;
}

absl::Status ValidateDeclarations(const ValidationContext& ctx) {
  return ModuleValidator(ctx.module, ctx).ValidateDeclarations();
}

}  // namespace internal

absl::Status ValidateDeclarations(const Module& module, const ImplementationLimits& limits) {
  return internal::ValidateDeclarations(internal::MakeValidationContext(module, limits));
}

}  // namespace kiln::wasm
