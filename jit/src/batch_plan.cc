#include "batch_plan.h"

#include <cstring>

#include "oneapi/tbb/parallel_for.h"

namespace kiln::jit {
namespace {

// A batch takes at least this much wasm before a content-defined cut...
constexpr uint64_t kMinBatchBytes = 16 * 1024;
// ...then ends after a function of n bytes with probability n / this, so
// batches average about kMinBatchBytes + kCutBytes (64 KiB: per-task set-up
// is noise, and a large module keeps every core busy).
constexpr uint64_t kCutBytes = 48 * 1024;
// Bounds whatever the digests say.
constexpr uint64_t kMaxBatchBytes = 256 * 1024;
// LLVM's cost has a part per function (about a millisecond at O2 even for an
// empty one), so a batch of many tiny bodies would be one task of many
// seconds; a caller who gives up is only let go between tasks.
constexpr uint32_t kMaxBatchFunctions = 1024;

// Appends fixed-width little-endian values and length-prefixed bytes, so
// that no two different inputs hash the same sequence.
class Hasher {
 public:
  void U8(uint8_t v) { sha_.Update({&v, 1}); }
  void U32(uint32_t v) {
    uint8_t b[4];
    for (int i = 0; i < 4; ++i) b[i] = static_cast<uint8_t>(v >> (8 * i));
    sha_.Update(b);
  }
  void U64(uint64_t v) {
    U32(static_cast<uint32_t>(v));
    U32(static_cast<uint32_t>(v >> 32));
  }
  void Bytes(std::span<const uint8_t> bytes) {
    U64(bytes.size());
    sha_.Update(bytes);
  }
  void Text(std::string_view text) {
    Bytes({reinterpret_cast<const uint8_t*>(text.data()), text.size()});
  }
  void Limits(const wasm::Limits& limits) {
    U64(limits.min);
    U8(limits.max.has_value());
    U64(limits.max.value_or(0));
  }
  crypto::Sha256Digest Finish() { return sha_.Finish(); }

 private:
  crypto::Sha256 sha_;
};

// The digest's first four bytes as a fraction of 2^32 is below n / kCutBytes.
bool CutAfter(const crypto::Sha256Digest& digest, uint64_t body_bytes) {
  uint32_t draw;
  std::memcpy(&draw, digest.data(), sizeof(draw));
  return uint64_t{draw} * kCutBytes < body_bytes << 32;
}

}  // namespace

std::vector<BatchJob> PlanFunctionBatches(const wasm::Module& module,
                                          const std::vector<crypto::Sha256Digest>& body_digests,
                                          uint32_t functions_per_batch) {
  std::vector<BatchJob> batches;
  const auto n = static_cast<uint32_t>(module.bodies.size());
  uint32_t begin = 0;
  uint64_t bytes = 0;
  for (uint32_t d = 0; d < n; ++d) {
    const uint64_t size = module.bodies[d].bytes.size();
    bytes += size;
    const uint32_t count = d + 1 - begin;
    const bool cut =
        functions_per_batch != 0
            ? count >= functions_per_batch
            : bytes >= kMaxBatchBytes || count >= kMaxBatchFunctions ||
                  (bytes >= kMinBatchBytes && CutAfter(body_digests[d], size));
    if (cut) {
      batches.push_back({begin, d + 1, {}, {}});
      begin = d + 1;
      bytes = 0;
    }
  }
  if (begin < n) batches.push_back({begin, n, {}, {}});
  return batches;
}

std::vector<crypto::Sha256Digest> DigestBodies(const wasm::Module& module) {
  std::vector<crypto::Sha256Digest> digests(module.bodies.size());
  tbb::parallel_for(size_t{0}, digests.size(), [&](size_t d) {
    digests[d] = crypto::Sha256::Of(module.bodies[d].bytes);
  });
  return digests;
}

crypto::Sha256Digest DigestDeclarations(const wasm::Module& m) {
  Hasher h;
  h.Text("kiln-batch-declarations-v1");
  h.U64(m.types.size());
  for (const wasm::FuncType& type : m.types) {
    h.U64(type.params.size());
    for (wasm::ValType t : type.params) h.U8(static_cast<uint8_t>(t));
    h.U64(type.results.size());
    for (wasm::ValType t : type.results) h.U8(static_cast<uint8_t>(t));
  }
  // Imports by kind and type (their names decide nothing in the code).
  h.U64(m.imports.size());
  for (const wasm::Import& import : m.imports) {
    h.U8(static_cast<uint8_t>(import.kind));
    switch (import.kind) {
      case wasm::ExternKind::kFunc: h.U32(import.func_type_index); break;
      case wasm::ExternKind::kTable:
        h.U8(static_cast<uint8_t>(import.table.element));
        h.Limits(import.table.limits);
        break;
      case wasm::ExternKind::kMemory: h.Limits(import.memory.limits); break;
      case wasm::ExternKind::kGlobal:
        h.U8(static_cast<uint8_t>(import.global.type));
        h.U8(import.global.is_mutable);
        break;
    }
  }
  h.U64(m.function_type_indices.size());
  for (uint32_t t : m.function_type_indices) h.U32(t);
  h.U64(m.tables.size());
  for (const wasm::TableType& table : m.tables) {
    h.U8(static_cast<uint8_t>(table.element));
    h.Limits(table.limits);
  }
  h.U64(m.memories.size());
  for (const wasm::MemoryType& memory : m.memories) h.Limits(memory.limits);
  h.U64(m.globals.size());
  for (const wasm::GlobalType& global : m.globals) {
    h.U8(static_cast<uint8_t>(global.type));
    h.U8(global.is_mutable);
  }
  for (const wasm::ConstExpr& init : m.global_inits) h.Bytes(init.bytes);
  h.U64(m.elements.size());
  for (const wasm::ElementSegment& segment : m.elements) {
    h.U8(static_cast<uint8_t>(segment.mode));
    h.U8(static_cast<uint8_t>(segment.type));
    h.U32(segment.table_index);
    h.U64(segment.size());
  }
  h.U64(m.data.size());
  for (const wasm::DataSegment& segment : m.data) {
    h.U8(static_cast<uint8_t>(segment.mode));
    h.U32(segment.memory_index);
  }
  h.U8(m.data_count.has_value());
  h.U32(m.data_count.value_or(0));
  return h.Finish();
}

BatchCache::Key BatchKey(std::string_view fingerprint, const crypto::Sha256Digest& declarations,
                         const std::vector<crypto::Sha256Digest>& body_digests,
                         const BatchJob& job) {
  Hasher h;
  h.Text("kiln-batch-key-v1");
  h.Text(fingerprint);
  h.Bytes(declarations);
  h.U32(job.first_defined);
  h.U32(job.end_defined);
  for (uint32_t d = job.first_defined; d < job.end_defined; ++d) {
    // The function's index and type are covered: the index by the range,
    // the type by the declarations.
    h.Bytes(body_digests[d]);
  }
  h.U64(job.entry_types.size());
  for (uint32_t t : job.entry_types) h.U32(t);
  h.U64(job.exit_types.size());
  for (uint32_t t : job.exit_types) h.U32(t);
  return h.Finish();
}

}  // namespace kiln::jit
