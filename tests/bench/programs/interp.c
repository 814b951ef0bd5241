// interp.c — a switch-dispatched bytecode interpreter for a tiny stack VM.
//
// Stresses: the classic interpreter loop: a load of the next opcode, an
// indirect branch through a jump table (br_table in wasm) that is hard to
// predict, a small operand stack and local slots in linear memory, and many
// short basic blocks. The guest program is a nested loop that does integer
// arithmetic (a xorshift step, a multiply-add accumulator, a modulo-based
// conditional) for some 80 million VM steps.
//
// Freestanding: no libc. Exports `unsigned long long run(void)`, which
// interprets the program and returns the VM's final accumulator combined
// with the number of instructions executed. Every call does the same work.

enum Op {
  OP_HALT,
  OP_PUSH,    // imm: push imm
  OP_LOAD,    // imm: push locals[imm]
  OP_STORE,   // imm: locals[imm] = pop
  OP_ADD,
  OP_SUB,
  OP_MUL,
  OP_XOR,
  OP_SHL,     // a << (b & 63)
  OP_SHR,     // a >> (b & 63), logical
  OP_AND,
  OP_REM,     // a % b (b != 0 in the program below)
  OP_DUP,
  OP_SWAP,
  OP_DROP,
  OP_JMP,     // imm: pc = imm
  OP_JNZ,     // imm: if pop != 0, pc = imm
  OP_JLT,     // imm: b = pop, a = pop; if a < b (unsigned), pc = imm
  OP_INC,     // imm: locals[imm] += 1
};

typedef unsigned long long u64;

// Locals of the guest program.
enum { L_I, L_J, L_X, L_ACC, L_OUTER, L_INNER, L_ODD };

#define OUTER_ITERATIONS 800
#define INNER_ITERATIONS 2500

// for (i = 0; i < OUTER; ++i) {
//   for (j = 0; j < INNER; ++j) {
//     x ^= x << 13; x ^= x >> 7; x ^= x << 17;
//     acc = acc * 31 + (x & 0xffff);
//     if ((x & 7) % 3) odd += j;
//   }
//   acc ^= odd;
// }
static const int program[] = {
  /*  0 */ OP_PUSH, 0, OP_STORE, L_I,
  /*  4 */ OP_PUSH, 0, OP_STORE, L_J,                       // outer loop head
  /*  8 */ OP_LOAD, L_X, OP_DUP, OP_PUSH, 13, OP_SHL, OP_XOR, OP_STORE, L_X,  // inner loop head
  /* 17 */ OP_LOAD, L_X, OP_DUP, OP_PUSH, 7, OP_SHR, OP_XOR, OP_STORE, L_X,
  /* 26 */ OP_LOAD, L_X, OP_DUP, OP_PUSH, 17, OP_SHL, OP_XOR, OP_DUP, OP_STORE, L_X,
  /* 36 */ OP_PUSH, 0xffff, OP_AND, OP_LOAD, L_ACC, OP_PUSH, 31, OP_MUL, OP_ADD,
           OP_STORE, L_ACC,
  /* 47 */ OP_LOAD, L_X, OP_PUSH, 7, OP_AND, OP_PUSH, 3, OP_REM, OP_JNZ, 60,
  /* 57 */ OP_JMP, 67,
  /* 59 */ OP_HALT,                                         // never reached
  /* 60 */ OP_LOAD, L_ODD, OP_LOAD, L_J, OP_ADD, OP_STORE, L_ODD,
  /* 67 */ OP_INC, L_J,
  /* 69 */ OP_LOAD, L_J, OP_LOAD, L_INNER, OP_JLT, 8,
  /* 75 */ OP_LOAD, L_ACC, OP_LOAD, L_ODD, OP_XOR, OP_STORE, L_ACC,
  /* 82 */ OP_INC, L_I,
  /* 84 */ OP_LOAD, L_I, OP_LOAD, L_OUTER, OP_JLT, 4,
  /* 90 */ OP_HALT,
};

static u64 stack[64];
static u64 locals[8];

static u64 interpret(const int* code, u64* steps_out) {
  u64* sp = stack;  // points one past the top
  int pc = 0;
  u64 steps = 0;
  for (;;) {
    ++steps;
    int op = code[pc++];
    switch (op) {
      case OP_HALT:
        *steps_out = steps;
        return locals[L_ACC];
      case OP_PUSH: *sp++ = (u64)(unsigned)code[pc++]; break;
      case OP_LOAD: *sp++ = locals[code[pc++]]; break;
      case OP_STORE: locals[code[pc++]] = *--sp; break;
      case OP_ADD: --sp; sp[-1] += sp[0]; break;
      case OP_SUB: --sp; sp[-1] -= sp[0]; break;
      case OP_MUL: --sp; sp[-1] *= sp[0]; break;
      case OP_XOR: --sp; sp[-1] ^= sp[0]; break;
      case OP_SHL: --sp; sp[-1] <<= (sp[0] & 63); break;
      case OP_SHR: --sp; sp[-1] >>= (sp[0] & 63); break;
      case OP_AND: --sp; sp[-1] &= sp[0]; break;
      case OP_REM: --sp; sp[-1] %= sp[0]; break;
      case OP_DUP: sp[0] = sp[-1]; ++sp; break;
      case OP_SWAP: { u64 t = sp[-1]; sp[-1] = sp[-2]; sp[-2] = t; break; }
      case OP_DROP: --sp; break;
      case OP_JMP: pc = code[pc]; break;
      case OP_JNZ: {
        int target = code[pc++];
        if (*--sp != 0) pc = target;
        break;
      }
      case OP_JLT: {
        int target = code[pc++];
        sp -= 2;
        if (sp[0] < sp[1]) pc = target;
        break;
      }
      case OP_INC: locals[code[pc++]] += 1; break;
      default:
        *steps_out = steps;
        return ~0ull;  // bad opcode: a wrong checksum, never a trap
    }
  }
}

unsigned long long run(void) {
  for (int i = 0; i < 8; ++i) locals[i] = 0;
  locals[L_X] = 0x2545F4914F6CDD1Dull;
  locals[L_OUTER] = OUTER_ITERATIONS;
  locals[L_INNER] = INNER_ITERATIONS;
  u64 steps = 0;
  u64 acc = interpret(program, &steps);
  return acc * 0x100000001b3ull ^ steps;
}
