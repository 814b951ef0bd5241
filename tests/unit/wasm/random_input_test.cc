// Random input never crashes or hangs the decoder and validator: every input
// either decodes or fails with a located error. Inputs come from a seeded
// generator so a failure reproduces; the seed and case number are in the
// failure message.
//
// Three kinds of input, from least to most likely to get past the header:
// random bytes, a valid header followed by random sections (right ids, right
// sizes, random payloads), and valid modules with a few bytes mutated.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "kiln/wasm/validator.h"
#include "module_builder.h"
#include "sample_modules.h"
#include "test_util.h"

namespace kiln::wasm::test {
namespace {

constexpr uint32_t kSeed = 20240611;

// Decoding and validating must finish with either a module or a located
// error. Validation runs only on what decodes, with both execution modes.
void CheckSurvives(const Bytes& input, const std::string& what) {
  absl::StatusOr<Module> module = DecodeModule(input);
  if (!module.ok()) {
    ASSERT_TRUE(GetErrorLocation(module.status()).has_value()) << what << ": " << module.status();
    ASSERT_LE(GetErrorLocation(module.status())->offset, input.size()) << what;
    return;
  }
  for (bool parallel : {false, true}) {
    ValidateOptions options;
    options.parallel = parallel;
    const absl::Status status = ValidateModule(*module, options);
    if (!status.ok()) {
      ASSERT_TRUE(GetErrorLocation(status).has_value()) << what << ": " << status;
      ASSERT_LE(GetErrorLocation(status)->offset, input.size()) << what;
    }
  }
}

Bytes RandomBytes(std::mt19937& rng, size_t size) {
  std::uniform_int_distribution<int> byte(0, 255);
  Bytes out(size);
  for (uint8_t& b : out) b = static_cast<uint8_t>(byte(rng));
  return out;
}

TEST(RandomInputTest, RandomBytes) {
  std::mt19937 rng(kSeed);
  std::uniform_int_distribution<size_t> size(0, 200);
  for (int i = 0; i < 5000; ++i) {
    CheckSurvives(RandomBytes(rng, size(rng)), "random bytes, case " + std::to_string(i));
    if (HasFatalFailure()) return;
  }
}

TEST(RandomInputTest, RandomBytesAfterValidHeader) {
  std::mt19937 rng(kSeed + 1);
  std::uniform_int_distribution<size_t> size(0, 200);
  for (int i = 0; i < 5000; ++i) {
    Bytes input = Header();
    const Bytes tail = RandomBytes(rng, size(rng));
    input.insert(input.end(), tail.begin(), tail.end());
    CheckSurvives(input, "header + random bytes, case " + std::to_string(i));
    if (HasFatalFailure()) return;
  }
}

// A random payload biased towards what the decoder looks for: small counts,
// value type bytes, opcodes, `end`.
Bytes PlausiblePayload(std::mt19937& rng, size_t size) {
  static constexpr uint8_t kInteresting[] = {0x00, 0x01, 0x02, 0x03, 0x0B, 0x20, 0x41,
                                             0x42, 0x60, 0x6F, 0x70, 0x7B, 0x7C, 0x7D,
                                             0x7E, 0x7F, 0x80, 0xFC, 0xFD, 0xFF};
  std::uniform_int_distribution<int> pick(0, 3);
  std::uniform_int_distribution<size_t> which(0, std::size(kInteresting) - 1);
  std::uniform_int_distribution<int> byte(0, 255);
  Bytes out(size);
  for (uint8_t& b : out) {
    b = pick(rng) == 0 ? static_cast<uint8_t>(byte(rng)) : kInteresting[which(rng)];
  }
  return out;
}

TEST(RandomInputTest, ValidHeaderAndRandomSections) {
  std::mt19937 rng(kSeed + 2);
  std::uniform_int_distribution<int> section_count(1, 6);
  std::uniform_int_distribution<int> section_id(0, 13);  // 13 is not a section
  std::uniform_int_distribution<size_t> payload_size(0, 60);
  for (int i = 0; i < 5000; ++i) {
    Bytes input = Header();
    const int n = section_count(rng);
    for (int s = 0; s < n; ++s) {
      Encoder payload;
      payload.Raw(PlausiblePayload(rng, payload_size(rng)));
      const Bytes section = Section(static_cast<uint8_t>(section_id(rng)), payload);
      input.insert(input.end(), section.begin(), section.end());
    }
    CheckSurvives(input, "random sections, case " + std::to_string(i));
    if (HasFatalFailure()) return;
  }
}

TEST(RandomInputTest, MutatedValidModules) {
  std::mt19937 rng(kSeed + 3);
  const std::vector<SampleModule> samples = SampleModules();
  std::uniform_int_distribution<size_t> which_sample(1, samples.size() - 1);  // not "empty"
  std::uniform_int_distribution<int> mutation_count(1, 4);
  std::uniform_int_distribution<int> mutation_kind(0, 3);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int i = 0; i < 10000; ++i) {
    Bytes input = samples[which_sample(rng)].bytes;
    const int n = mutation_count(rng);
    for (int m = 0; m < n && input.size() > 8; ++m) {
      // Leave the header alone: a broken header hides everything else.
      std::uniform_int_distribution<size_t> where(8, input.size() - 1);
      const size_t at = where(rng);
      switch (mutation_kind(rng)) {
        case 0:
          input[at] = static_cast<uint8_t>(byte(rng));
          break;  // replace
        case 1:
          input[at] ^= static_cast<uint8_t>(1u << (byte(rng) % 8));
          break;  // flip a bit
        case 2:
          input.erase(input.begin() + static_cast<ptrdiff_t>(at));
          break;  // delete
        case 3:   // insert
          input.insert(input.begin() + static_cast<ptrdiff_t>(at), static_cast<uint8_t>(byte(rng)));
          break;
      }
    }
    CheckSurvives(input, "mutated module, case " + std::to_string(i));
    if (HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace kiln::wasm::test
