#!/usr/bin/env node
// run_wasm_node.js — times each module's exported run() in V8 (node), as a
// baseline for kiln_exec_bench.
//
//   node [V8 FLAGS...] run_wasm_node.js [--reps N] FILE.wasm...
//
// V8 flags go on node's command line: kiln_exec_bench runs it plainly
// (default tiering) and with --no-liftoff (TurboFan only).
//
// For each FILE, compiles it (WebAssembly.Module, timed), instantiates it
// with no imports, calls run() once to warm up (V8 tiers up from Liftoff to
// TurboFan; the warm-up call is not counted), then N more times, and prints
// one line:
//
//   NAME MEDIAN_MS CHECKSUM COMPILE_MS
//
// NAME is the file's base name without .wasm, CHECKSUM the i64 result as an
// unsigned decimal, COMPILE_MS the synchronous compile time (mostly the
// baseline tier: V8 optimizes lazily). Exits non-zero if a module fails or
// its run() gives different results on different calls.
'use strict';
const fs = require('fs');
const path = require('path');

function main(argv) {
  let reps = 5;
  const files = [];
  for (let i = 0; i < argv.length; ++i) {
    if (argv[i] === '--reps') {
      reps = parseInt(argv[++i], 10);
      if (!(reps > 0)) throw new Error('--reps needs a positive number');
    } else {
      files.push(argv[i]);
    }
  }
  let failed = false;
  for (const file of files) {
    const name = path.basename(file, '.wasm');
    try {
      const bytes = fs.readFileSync(file);
      const c0 = process.hrtime.bigint();
      const module = new WebAssembly.Module(bytes);
      const compileMs = Number(process.hrtime.bigint() - c0) / 1e6;
      const instance = new WebAssembly.Instance(module, {});
      const run = instance.exports.run;
      const first = BigInt.asUintN(64, run());
      const times = [];
      for (let r = 0; r < reps; ++r) {
        const t0 = process.hrtime.bigint();
        const value = BigInt.asUintN(64, run());
        times.push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (value !== first) throw new Error(`run() gave ${value}, earlier ${first}`);
      }
      times.sort((a, b) => a - b);
      const mid = times.length >> 1;
      const median = times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
      console.log(`${name} ${median.toFixed(3)} ${first} ${compileMs.toFixed(3)}`);
    } catch (e) {
      console.error(`${name}: ${e.message}`);
      failed = true;
    }
  }
  process.exit(failed ? 1 : 0);
}

main(process.argv.slice(2));
