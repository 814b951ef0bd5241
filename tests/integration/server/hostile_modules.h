// tests/integration/server/hostile_modules.h — a generator of adversarial
// WebAssembly modules: each family pushes one implementation limit
// (kiln/wasm/limits.h) or one runtime resource to its edge, given a size,
// so a test can make the module at a limit and the one just past it.
//
// Every module is valid except for the size it is given (a body of the
// given length, a count past a limit, ...), so that the only thing a
// daemon can object to is the limit under test. Exports are named in each
// family's comment.
#ifndef KILN_TESTS_INTEGRATION_SERVER_HOSTILE_MODULES_H_
#define KILN_TESTS_INTEGRATION_SERVER_HOSTILE_MODULES_H_

#include <cstdint>
#include <vector>

namespace kiln::server_test::hostile {

using Bytes = std::vector<uint8_t>;

// One function "f": [] -> [i32] whose body (local declarations, code and
// the final `end`, not the size prefix) is exactly `body_bytes` long:
// nops, then i32.const 7. At least 4 bytes. Every nop is an instruction
// to validate and translate, so the largest such body costs seconds.
Bytes FunctionOfBodySize(uint32_t body_bytes);

// The same, `body_bytes` long, but dense: a block holding br_tables of
// 65,520 targets, each label a 5-byte LEB128 (all leaving the block; only
// the first is reachable), then nops to the exact size, then i32.const 7:
// the largest body, in a few hundred thousand instructions. At least 7
// bytes.
Bytes DenseFunctionOfBodySize(uint32_t body_bytes);

// "f": [] -> [i32] returning 1 from inside `depth` nested blocks.
Bytes NestedBlocks(uint32_t depth);

// `count` funcref tables of `min` elements, and "f": [] -> [i32] returning
// table.size of the last one.
Bytes ManyTables(uint32_t count, uint32_t min);

// `count` distinct function types: NumberedFuncType 0..count-2 and the
// type of "f": [] -> [i32], which returns `count`. At least 1.
Bytes ManyTypes(uint32_t count);

// `count` functions of one type [] -> [i32], function i returning i; "f"
// is the last one.
Bytes ManyFunctions(uint32_t count);

// A memory of `pages` pages (no maximum), an active data segment of
// `segment_bytes` bytes at `offset`, and "f": [] -> [i32] reading the
// memory's first byte.
Bytes ActiveData(uint32_t pages, uint32_t offset, uint32_t segment_bytes);

// A memory of `pages` pages, a passive data segment of `segment_bytes`
// bytes (byte i is i % 251) and "f": [i32 offset, i32 length] -> [i32]
// that memory.inits `length` bytes of it from `offset` to address 0, drops
// the segment and returns the byte at `length - 1`.
Bytes PassiveData(uint32_t pages, uint32_t segment_bytes);

// "f": [i32] -> [i32] with one br_table of `targets` targets and a
// default over 16 nested blocks: target j leaves block j % 15 and returns
// j % 15, the default leaves the outermost and returns -1. The nesting
// stays shallow however many targets there are.
Bytes BrTable(uint32_t targets);

// "f": [] -> [i32] declaring `locals` i32 locals (in one group), and
// returning 1.
Bytes ManyLocals(uint32_t locals);

// "f": [] -> [i64] with `locals` i64 locals: sets local j to j, then sums
// them all (the result is locals*(locals-1)/2), so every local is live.
Bytes LocalsUsed(uint32_t locals);

// A memory whose minimum is `pages` pages (no maximum); "f": [] -> [i32]
// returns memory.size.
Bytes MemoryOfMinPages(uint32_t pages);

// `count` mutable i32 globals, global i starting at i; "f": [] -> [i32]
// returns the last one.
Bytes ManyGlobals(uint32_t count);

// A funcref table of `table_min` elements, one active element segment at
// 0 of `items` function indices (all the module's function "f": [] ->
// [i32] returning 5), and "g": [] -> [i32] calling through table element
// `items - 1` (call_indirect).
Bytes ElementSegment(uint32_t table_min, uint32_t items);

// Run-time hostility, one module:
//   recurse  [i32] -> [i32]  calls itself with one more, forever
//   spin     [] -> []        loops forever, calling nothing
//   grow     [] -> [i32]     memory.grow(1) until it returns -1; the pages
//   grow_max [] -> [i32]     memory.grow(65536) in one step: its result
Bytes RunTimeHostile();

}  // namespace kiln::server_test::hostile

#endif  // KILN_TESTS_INTEGRATION_SERVER_HOSTILE_MODULES_H_
