// memops.c — a workload dominated by memcpy, memmove and memset.
//
// Stresses: block copies and fills of many sizes (a few bytes to 64 KiB)
// at odd and aligned offsets, overlapping moves in both directions, and
// small fixed-size record copies that a compiler expands into plain loads
// and stores. In wasm (built with -mbulk-memory) the variable-size calls
// become memory.copy and memory.fill, so this measures how an engine
// implements those and the call into them; natively they are libc's
// memcpy, memmove and memset.
//
// Freestanding: no libc headers or definitions; only __builtin_memcpy,
// __builtin_memmove and __builtin_memset. Exports
// `unsigned long long run(void)`, which seeds a 1 MiB arena, shuffles it
// ROUNDS times with copies, moves and fills at generated offsets and
// sizes, and returns a hash of the arena. Every call does the same work.

#define ARENA_BYTES (1u << 20)
#define ROUNDS 60
#define OPS_PER_ROUND 4000
#define RECORDS 4096

typedef unsigned long long u64;

static unsigned char arena[ARENA_BYTES];

// Sixty-four bytes, copied by value with a constant size.
struct record {
  u64 key;
  u64 payload[7];
};

static struct record records[RECORDS];
static struct record scratch[RECORDS];

static u64 state;

static u64 next(void) {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}

// A size drawn mostly from small and medium blocks, sometimes large ones.
static unsigned pick_size(u64 r) {
  switch (r & 7) {
    case 0: case 1: case 2: return 1 + (unsigned)((r >> 8) & 63);       // 1..64
    case 3: case 4: return 64 + (unsigned)((r >> 8) & 1023);            // 64..1087
    case 5: return 1024 + (unsigned)((r >> 8) & 8191);                  // 1 KiB..9 KiB
    case 6: return 4096 + (unsigned)((r >> 8) & 16383);                 // 4 KiB..20 KiB
    default: return 32768 + (unsigned)((r >> 8) & 32767);               // 32..64 KiB
  }
}

static void seed(void) {
  state = 0x2545F4914F6CDD1Dull;
  u64* words = (u64*)arena;
  for (unsigned i = 0; i < ARENA_BYTES / 8; ++i) words[i] = next();
  for (unsigned i = 0; i < RECORDS; ++i) {
    records[i].key = next();
    for (int k = 0; k < 7; ++k) records[i].payload[k] = records[i].key + (u64)k;
  }
}

static void shuffle_arena(void) {
  for (int op = 0; op < OPS_PER_ROUND; ++op) {
    const u64 r = next();
    const unsigned size = pick_size(r);
    const unsigned limit = ARENA_BYTES - size;
    unsigned dst = (unsigned)(r >> 24) % limit;
    unsigned src = (unsigned)(r >> 44) * 16u % limit;
    switch ((r >> 20) & 3) {
      case 0:  // aligned copy between (possibly overlapping) blocks
        dst &= ~15u;
        src &= ~15u;
        __builtin_memmove(arena + dst, arena + src, size);
        break;
      case 1:  // unaligned copy (src | 2 + size - 2 stays below the end)
        __builtin_memmove(arena + (dst | 1u), arena + (src | 2u), size > 2 ? size - 2 : 0);
        break;
      case 2:  // a short overlapping slide, forwards or backwards
        if (dst + 17 < limit) {
          __builtin_memmove(arena + dst + (r & 16 ? 0 : 17), arena + dst + (r & 16 ? 17 : 0), size);
        }
        break;
      default:  // fill, then copy something over part of it
        __builtin_memset(arena + dst, (int)(r >> 56), size);
        // The blocks may overlap, so memmove (memcpy's result would be
        // undefined, and libc's differs from memory.copy's).
        if (size > 8) __builtin_memmove(arena + dst + size / 4, arena + (src ^ 1u), size / 2);
        break;
    }
  }
}

// Record copies with constant sizes: a permutation into scratch and back,
// plus small header updates written through memcpy as portable code does.
static void shuffle_records(unsigned round) {
  for (unsigned i = 0; i < RECORDS; ++i) {
    const unsigned j = (i * 2654435761u + round) & (RECORDS - 1);
    __builtin_memcpy(&scratch[j], &records[i], sizeof(struct record));
  }
  for (unsigned i = 0; i < RECORDS; ++i) {
    struct record rec;
    __builtin_memcpy(&rec, &scratch[i], sizeof rec);
    rec.key = rec.key * 0x9E3779B97F4A7C15ull + i;
    u64 tail;
    __builtin_memcpy(&tail, arena + ((rec.key >> 20) & (ARENA_BYTES - 1 - 8)), 8);
    rec.payload[round % 7] ^= tail;
    __builtin_memcpy(&records[i], &rec, sizeof rec);
  }
  // Spill the records into the arena so the final hash covers them.
  __builtin_memcpy(arena + ((round * 65536u + 8u) & (ARENA_BYTES - 1)) % (ARENA_BYTES - sizeof records),
                   records, sizeof records);
}

static u64 hash_arena(void) {
  const u64* words = (const u64*)arena;
  u64 h = 0xcbf29ce484222325ull;
  for (unsigned i = 0; i < ARENA_BYTES / 8; ++i) {
    h = (h ^ words[i]) * 0x100000001b3ull;
  }
  return h ^ (h >> 31);
}

u64 run(void) {
  seed();
  u64 result = 0;
  for (unsigned round = 0; round < ROUNDS; ++round) {
    shuffle_arena();
    shuffle_records(round);
    result = (result << 7 | result >> 57) ^ records[round & (RECORDS - 1)].payload[round % 7];
  }
  return result ^ hash_arena();
}
