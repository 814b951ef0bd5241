#include "module_builder.h"

#include <bit>
#include <utility>

namespace kiln::wasm::test {

Encoder& Encoder::Byte(uint8_t byte) {
  bytes_.push_back(byte);
  return *this;
}

Encoder& Encoder::Raw(std::span<const uint8_t> bytes) {
  bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
  return *this;
}

Encoder& Encoder::Raw(std::initializer_list<uint8_t> bytes) {
  bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
  return *this;
}

Encoder& Encoder::U64(uint64_t value) {
  do {
    uint8_t byte = value & 0x7F;
    value >>= 7;
    if (value != 0) byte |= 0x80;
    bytes_.push_back(byte);
  } while (value != 0);
  return *this;
}

Encoder& Encoder::S64(int64_t value) {
  while (true) {
    const uint8_t byte = value & 0x7F;
    value >>= 7;  // arithmetic shift: C++20 defines it for negative values
    // Done once the rest is all sign bits and this byte's bit 6 agrees.
    const bool done = (value == 0 && !(byte & 0x40)) || (value == -1 && (byte & 0x40));
    bytes_.push_back(done ? byte : (byte | 0x80));
    if (done) return *this;
  }
}

Encoder& Encoder::F32(float value) {
  uint32_t bits = std::bit_cast<uint32_t>(value);
  for (int i = 0; i < 4; ++i, bits >>= 8) bytes_.push_back(bits & 0xFF);
  return *this;
}

Encoder& Encoder::F64(double value) {
  uint64_t bits = std::bit_cast<uint64_t>(value);
  for (int i = 0; i < 8; ++i, bits >>= 8) bytes_.push_back(bits & 0xFF);
  return *this;
}

Encoder& Encoder::Name(std::string_view name) {
  U32(static_cast<uint32_t>(name.size()));
  bytes_.insert(bytes_.end(), name.begin(), name.end());
  return *this;
}

Encoder& Encoder::LimitsOf(uint32_t min, std::optional<uint32_t> max) {
  Byte(max.has_value() ? 1 : 0).U32(min);
  if (max.has_value()) U32(*max);
  return *this;
}

Encoder& Encoder::Op(Opcode op) {
  const uint32_t value = static_cast<uint32_t>(op);
  const uint32_t prefix = value >> 16;
  if (prefix == 0) return Byte(static_cast<uint8_t>(value));
  return Byte(static_cast<uint8_t>(prefix)).U32(value & 0xFFFF);
}

Encoder& Encoder::BlockLike(Opcode op, std::optional<ValType> result) {
  Op(op);
  return result.has_value() ? Type(*result) : Byte(0x40);
}

Encoder& Encoder::Block(std::optional<ValType> result) { return BlockLike(Opcode::kBlock, result); }
Encoder& Encoder::Loop(std::optional<ValType> result) { return BlockLike(Opcode::kLoop, result); }
Encoder& Encoder::If(std::optional<ValType> result) { return BlockLike(Opcode::kIf, result); }

Bytes Header() { return {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00}; }

Bytes Section(uint8_t id, const Encoder& payload) {
  Encoder section;
  section.Byte(id).U32(static_cast<uint32_t>(payload.size())).Raw(payload);
  return section.bytes();
}

Bytes CustomSection(std::string_view name, const Encoder& payload) {
  return Section(kCustomSection, Encoder().Name(name).Raw(payload));
}

Bytes ModuleBytes(std::initializer_list<Bytes> sections) {
  Bytes out = Header();
  for (const Bytes& section : sections) out.insert(out.end(), section.begin(), section.end());
  return out;
}

uint32_t ModuleBuilder::AddType(std::vector<ValType> params, std::vector<ValType> results) {
  types_.Byte(0x60).U32(static_cast<uint32_t>(params.size()));
  for (ValType t : params) types_.Type(t);
  types_.U32(static_cast<uint32_t>(results.size()));
  for (ValType t : results) types_.Type(t);
  return num_types_++;
}

uint32_t ModuleBuilder::ImportFunction(std::string_view module, std::string_view name,
                                       uint32_t type_index) {
  imports_.Name(module).Name(name).Byte(0x00).U32(type_index);
  ++num_imports_;
  return num_imported_functions_++;
}

uint32_t ModuleBuilder::ImportTable(std::string_view module, std::string_view name, ValType element,
                                    uint32_t min, std::optional<uint32_t> max) {
  imports_.Name(module).Name(name).Byte(0x01).Type(element).LimitsOf(min, max);
  ++num_imports_;
  return num_imported_tables_++;
}

uint32_t ModuleBuilder::ImportMemory(std::string_view module, std::string_view name, uint32_t min,
                                     std::optional<uint32_t> max) {
  imports_.Name(module).Name(name).Byte(0x02).LimitsOf(min, max);
  ++num_imports_;
  return num_imported_memories_++;
}

uint32_t ModuleBuilder::ImportGlobal(std::string_view module, std::string_view name, ValType type,
                                     bool is_mutable) {
  imports_.Name(module).Name(name).Byte(0x03).Type(type).Byte(is_mutable ? 1 : 0);
  ++num_imports_;
  return num_imported_globals_++;
}

uint32_t ModuleBuilder::AddFunction(uint32_t type_index, std::vector<LocalDecl> locals,
                                    const Encoder& code) {
  Encoder body;
  body.U32(static_cast<uint32_t>(locals.size()));
  for (const LocalDecl& run : locals) body.U32(run.count).Type(run.type);
  body.Raw(code);
  return AddFunctionBody(type_index, body);
}

uint32_t ModuleBuilder::AddFunctionBody(uint32_t type_index, const Encoder& body) {
  functions_.U32(type_index);
  code_.U32(static_cast<uint32_t>(body.size())).Raw(body);
  return num_imported_functions_ + num_defined_functions_++;
}

uint32_t ModuleBuilder::AddTable(ValType element, uint32_t min, std::optional<uint32_t> max) {
  tables_.Type(element).LimitsOf(min, max);
  return num_imported_tables_ + num_defined_tables_++;
}

uint32_t ModuleBuilder::AddMemory(uint32_t min, std::optional<uint32_t> max) {
  memories_.LimitsOf(min, max);
  return num_imported_memories_ + num_defined_memories_++;
}

uint32_t ModuleBuilder::AddGlobal(ValType type, bool is_mutable, const Encoder& init) {
  globals_.Type(type).Byte(is_mutable ? 1 : 0).Raw(init);
  return num_imported_globals_ + num_defined_globals_++;
}

void ModuleBuilder::AddExport(std::string_view name, ExternKind kind, uint32_t index) {
  exports_.Name(name).Byte(static_cast<uint8_t>(kind)).U32(index);
  ++num_exports_;
}

void ModuleBuilder::AddElementSegment(const Encoder& segment) {
  elements_.Raw(segment);
  ++num_elements_;
}

void ModuleBuilder::AddActiveElements(int32_t offset, const std::vector<uint32_t>& functions) {
  Encoder segment;
  segment.U32(0).I32Const(offset).End().U32(static_cast<uint32_t>(functions.size()));
  for (uint32_t f : functions) segment.U32(f);
  AddElementSegment(segment);
}

void ModuleBuilder::AddDeclarativeElements(const std::vector<uint32_t>& functions) {
  Encoder segment;
  // Flags 3: declarative, element kind 0 (funcref), function indices.
  segment.U32(3).Byte(0x00).U32(static_cast<uint32_t>(functions.size()));
  for (uint32_t f : functions) segment.U32(f);
  AddElementSegment(segment);
}

void ModuleBuilder::AddDataSegment(const Encoder& segment) {
  data_.Raw(segment);
  ++num_data_;
}

void ModuleBuilder::AddActiveData(int32_t offset, std::string_view bytes) {
  AddDataSegment(Encoder().U32(0).I32Const(offset).End().Name(bytes));
}

void ModuleBuilder::AddPassiveData(std::string_view bytes) {
  AddDataSegment(Encoder().U32(1).Name(bytes));
}

void ModuleBuilder::AddCustomSection(std::string_view name, const Encoder& payload) {
  custom_sections_.push_back(CustomSection(name, payload));
}

Bytes ModuleBuilder::Build() const {
  Bytes out = Header();
  auto append = [&out](const Bytes& bytes) { out.insert(out.end(), bytes.begin(), bytes.end()); };
  // A vector section: its entry count, then the entries. Empty ones are left
  // out, as toolchains do.
  auto vector_section = [&](uint8_t id, uint32_t count, const Encoder& entries) {
    if (count != 0) append(Section(id, Encoder().U32(count).Raw(entries)));
  };
  vector_section(kTypeSection, num_types_, types_);
  vector_section(kImportSection, num_imports_, imports_);
  vector_section(kFunctionSection, num_defined_functions_, functions_);
  vector_section(kTableSection, num_defined_tables_, tables_);
  vector_section(kMemorySection, num_defined_memories_, memories_);
  vector_section(kGlobalSection, num_defined_globals_, globals_);
  vector_section(kExportSection, num_exports_, exports_);
  if (start_.has_value()) append(Section(kStartSection, Encoder().U32(*start_)));
  vector_section(kElementSection, num_elements_, elements_);
  if (data_count_.has_value()) append(Section(kDataCountSection, Encoder().U32(*data_count_)));
  vector_section(kCodeSection, num_defined_functions_, code_);
  vector_section(kDataSection, num_data_, data_);
  for (const Bytes& section : custom_sections_) append(section);
  return out;
}

FuncType NumberedFuncType(uint32_t n) {
  // The highest bit is always 1 (an i64 last), so the length and the bits
  // both come back out of the type: the map is one to one.
  FuncType type;
  for (; n != 0; n >>= 1) type.params.push_back((n & 1) != 0 ? ValType::kI64 : ValType::kI32);
  return type;
}

Bytes NumberedTypeModule(uint32_t n) {
  const FuncType type = NumberedFuncType(n);
  ModuleBuilder m;
  const uint32_t t = m.AddType(type.params, type.results);
  m.AddExport("f", ExternKind::kFunc, m.AddFunction(t, {}, Encoder().End()));
  return m.Build();
}

}  // namespace kiln::wasm::test
