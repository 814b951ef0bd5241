#include "kiln/server/compile_memory.h"

#include <algorithm>
#include <optional>

namespace kiln::server {
namespace {

constexpr uint8_t kCodeSectionId = 10;
constexpr size_t kHeaderBytes = 8;  // "\0asm" and the version

// The figures below come from /usr/bin/time -v (maximum resident set size)
// on `kiln compile` (in-process, O2, 2 threads, Debian's LLVM 19), minus the
// 67.9 MiB an empty module peaks at (the process, its libraries and LLVM's
// set-up, which kilnd pays once for all compiles):
//
//   module                                     code       largest   peak added
//   tests/bench module_generator, 2,000 funcs   0.54 MiB    2.2 KiB   37.7 MiB
//   the same, 10,000 functions                  2.75 MiB    2.8 KiB   50.9 MiB
//   the same, 40,000 functions                 10.98 MiB    3.1 KiB  115.7 MiB
//   one function of i32 arithmetic on a local   0.25 MiB    256 KiB   36.1 MiB
//   the same, larger                            1.00 MiB      1 MiB  123.3 MiB
//   16 such functions                           1.00 MiB     64 KiB   34.5 MiB
//
// Two costs show. What stays until the end (the decoded module, validation,
// every batch's object file, the linked image and the artifact) grows by
// 7.9 bytes per code byte (the 2.75 and 10.98 MiB modules); 10 leaves room
// for bodies denser than the generator's. What LLVM holds while it compiles
// a batch grows with the batch: about 120 bytes per body byte (the single
// functions), for up to one batch per thread at a time; a batch is 64 KiB
// of bodies (jit's kBatchBodyBytes) or one larger function. With the base,
// the estimate is above every row: 45, 68, 150, 59, 162 and 50 MiB.
constexpr uint64_t kBaseBytes = uint64_t{24} << 20;
constexpr uint64_t kRetainedPerCodeByte = 10;
constexpr uint64_t kInFlightPerBodyByte = 128;
constexpr uint64_t kBatchBodyBytes = 64 * 1024;

// An unsigned LEB128 of at most 32 bits at `*at`, which moves past it.
std::optional<uint32_t> ReadU32(std::span<const uint8_t> bytes, size_t* at) {
  uint64_t value = 0;
  for (int shift = 0; shift < 35; shift += 7) {
    if (*at >= bytes.size()) return std::nullopt;
    const uint8_t byte = bytes[(*at)++];
    value |= uint64_t{byte & 0x7Fu} << shift;
    if ((byte & 0x80) == 0) {
      if (value > 0xFFFFFFFFu) return std::nullopt;
      return static_cast<uint32_t>(value);
    }
  }
  return std::nullopt;
}

// The largest body of a code section's payload, or nullopt if it cannot
// be read.
std::optional<uint64_t> LargestBody(std::span<const uint8_t> section) {
  size_t at = 0;
  std::optional<uint32_t> count = ReadU32(section, &at);
  if (!count.has_value()) return std::nullopt;
  uint64_t largest = 0;
  for (uint32_t i = 0; i < *count; ++i) {
    std::optional<uint32_t> size = ReadU32(section, &at);
    if (!size.has_value() || *size > section.size() - at) return std::nullopt;
    largest = std::max<uint64_t>(largest, *size);
    at += *size;
  }
  return largest;
}

}  // namespace

CodeSize ScanCodeSize(std::span<const uint8_t> module) {
  if (module.size() < kHeaderBytes) return {};
  size_t at = kHeaderBytes;
  while (at < module.size()) {
    const uint8_t id = module[at++];
    std::optional<uint32_t> size = ReadU32(module, &at);
    if (!size.has_value() || *size > module.size() - at) return {};
    if (id == kCodeSectionId) {
      const std::span<const uint8_t> payload = module.subspan(at, *size);
      return {.code_bytes = *size, .largest_body = LargestBody(payload).value_or(*size)};
    }
    at += *size;
  }
  return {};
}

uint64_t EstimateCompileMemory(const CodeSize& code, uint32_t threads) {
  const uint64_t batch = std::max(code.largest_body, kBatchBodyBytes);
  const uint64_t in_flight = std::min(code.code_bytes, batch * std::max(threads, 1u));
  return kBaseBytes + kRetainedPerCodeByte * code.code_bytes + kInFlightPerBodyByte * in_flight;
}

}  // namespace kiln::server
