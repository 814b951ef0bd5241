#include "kiln/runtime/signature_registry.h"

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace kiln::runtime {
namespace {

using wasm::FuncType;
using wasm::ValType;

const FuncType kI32ToI64{{ValType::kI32}, {ValType::kI64}};
const FuncType kNullary{{}, {}};

TEST(SignatureRegistryTest, EqualTypesShareAnIdAndDifferentTypesDoNot) {
  SignatureRegistry registry;
  const SignatureId a = registry.Intern(kI32ToI64);
  const SignatureId b = registry.Intern(kNullary);
  EXPECT_NE(a, b);
  EXPECT_EQ(registry.Intern(FuncType{{ValType::kI32}, {ValType::kI64}}), a);
  EXPECT_EQ(registry.Intern(kNullary), b);
  EXPECT_EQ(registry.size(), 2u);
}

TEST(SignatureRegistryTest, WhereParametersEndMatters) {
  // [i32] -> [i32 i32] and [i32 i32] -> [i32] list the same value types.
  SignatureRegistry registry;
  const SignatureId one_param =
      registry.Intern(FuncType{{ValType::kI32}, {ValType::kI32, ValType::kI32}});
  const SignatureId two_params =
      registry.Intern(FuncType{{ValType::kI32, ValType::kI32}, {ValType::kI32}});
  EXPECT_NE(one_param, two_params);
}

TEST(SignatureRegistryTest, LookupReturnsTheInternedType) {
  SignatureRegistry registry;
  const SignatureId id = registry.Intern(kI32ToI64);
  const FuncType& type = registry.Lookup(id);
  EXPECT_EQ(type, kI32ToI64);
  // References stay valid while more types are interned.
  for (int i = 0; i < 1000; ++i) {
    registry.Intern(FuncType{std::vector<ValType>(i + 2, ValType::kF64), {}});
  }
  EXPECT_EQ(&registry.Lookup(id), &type);
  EXPECT_EQ(type, kI32ToI64);
}

TEST(SignatureRegistryTest, ConcurrentInterningAgreesOnIds) {
  // Eight threads intern overlapping sets of 200 types; every thread must see
  // the same id for the same type, and distinct types get distinct ids.
  constexpr int kThreads = 8;
  constexpr int kTypes = 200;
  auto type_of = [](int n) {
    return FuncType{std::vector<ValType>(n % 7, ValType::kI32),
                    std::vector<ValType>(n / 7, ValType::kF32)};
  };
  SignatureRegistry registry;
  std::vector<std::vector<SignatureId>> seen(kThreads, std::vector<SignatureId>(kTypes));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kTypes; ++i) {
        const int n = (i * (t + 1)) % kTypes;  // each thread in its own order
        seen[t][n] = registry.Intern(type_of(n));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::set<SignatureId> distinct;
  for (int n = 0; n < kTypes; ++n) {
    distinct.insert(seen[0][n]);
    EXPECT_EQ(registry.Lookup(seen[0][n]), type_of(n));
  }
  EXPECT_EQ(distinct.size(), registry.size());
}

TEST(SignatureRegistryTest, TheLastReleaseFreesTheType) {
  SignatureRegistry registry;
  const SignatureId a = registry.Intern(kI32ToI64);
  EXPECT_EQ(registry.Intern(kI32ToI64), a);
  registry.Release(a);
  EXPECT_EQ(registry.size(), 1u);  // one reference left
  EXPECT_EQ(registry.Lookup(a), kI32ToI64);
  registry.Release(a);
  EXPECT_EQ(registry.size(), 0u);
}

TEST(SignatureRegistryTest, HeldIdsStayAndFreedIdsAreReused) {
  SignatureRegistry registry;
  const SignatureId held = registry.Intern(kNullary);
  const SignatureId dropped = registry.Intern(kI32ToI64);
  registry.Release(dropped);
  // The freed id goes to the next new type; the held one keeps its id and
  // its type whatever comes and goes around it.
  const FuncType other{{ValType::kF32}, {}};
  EXPECT_EQ(registry.Intern(other), dropped);
  EXPECT_EQ(registry.Lookup(dropped), other);
  EXPECT_EQ(registry.Intern(kNullary), held);
  EXPECT_EQ(registry.Lookup(held), kNullary);
  // A type interned again after being freed gets a working id (not
  // necessarily its old one).
  const SignatureId again = registry.Intern(kI32ToI64);
  EXPECT_NE(again, held);
  EXPECT_NE(again, dropped);
  EXPECT_EQ(registry.Lookup(again), kI32ToI64);
}

TEST(SignatureRegistryTest, ChurnDoesNotGrowTheRegistry) {
  // A daemon loading and dropping modules: many distinct types, few at once.
  SignatureRegistry registry;
  SignatureId highest = 0;
  for (uint32_t n = 1; n <= 10'000; ++n) {
    const SignatureId id = registry.Intern(FuncType{std::vector<ValType>(n, ValType::kI32), {}});
    highest = std::max(highest, id);
    registry.Release(id);
  }
  EXPECT_EQ(registry.size(), 0u);
  EXPECT_EQ(highest, 0u);
}

TEST(SignatureRegistryDeathTest, ReleasingAnIdNobodyHoldsAborts) {
  SignatureRegistry registry;
  const SignatureId id = registry.Intern(kNullary);
  registry.Release(id);
  EXPECT_DEATH(registry.Release(id), "nobody holds");
  EXPECT_DEATH(registry.Release(12345), "nobody holds");
}

TEST(SignatureRegistryTest, ConcurrentInternAndReleaseBalance) {
  // Threads intern and release overlapping types at once; whatever the
  // interleaving, every type is freed in the end and a held id always looks
  // up its own type.
  constexpr int kThreads = 8;
  constexpr int kRounds = 2000;
  SignatureRegistry registry;
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        const FuncType type{std::vector<ValType>((i + t) % 13, ValType::kI64), {}};
        const SignatureId id = registry.Intern(type);
        if (registry.Lookup(id) != type) ++wrong;
        registry.Release(id);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(registry.size(), 0u);
}

}  // namespace
}  // namespace kiln::runtime
