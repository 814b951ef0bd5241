#!/usr/bin/env node
// compile_wasm_node.js — V8's compile time for one module, for
// kiln_compile_bench.
//
//   node [V8 FLAGS] compile_wasm_node.js FILE.wasm
//
// Compiles FILE synchronously (new WebAssembly.Module) and prints
//
//   COMPILE_MS PEAK_RSS_KIB
//
// With --no-wasm-lazy-compilation every function is compiled before the
// constructor returns, by the tier the flags select; the process's peak
// resident memory includes node's own (about 40 MiB).
'use strict';
const fs = require('fs');

const bytes = fs.readFileSync(process.argv[2]);
const start = process.hrtime.bigint();
new WebAssembly.Module(bytes);
const ms = Number(process.hrtime.bigint() - start) / 1e6;
console.log(`${ms.toFixed(3)} ${process.resourceUsage().maxRSS}`);
