// run_wasi_node.js — runs a WASI preview1 command under node's WASI (V8),
// for tests/bench/run_wasi_bench.sh, as `kiln run` runs it:
//
//   node run_wasi_node.js [--dir HOST[::GUEST]]... FILE.wasm [ARGS...]
//
// The program's exit status is node's. Start to exit includes node's own
// start-up and V8's compile of the module (Liftoff, then TurboFan).
'use strict';
const fs = require('node:fs');
const { WASI } = require('node:wasi');

const argv = process.argv.slice(2);
const preopens = {};
while (argv.length > 0 && argv[0] === '--dir') {
  argv.shift();
  const spec = argv.shift();
  if (spec === undefined) {
    console.error('run_wasi_node.js: --dir needs HOST[::GUEST]');
    process.exit(2);
  }
  const sep = spec.indexOf('::');
  const host = sep < 0 ? spec : spec.slice(0, sep);
  const guest = sep < 0 ? spec : spec.slice(sep + 2);
  preopens[guest] = host;
}
if (argv.length === 0) {
  console.error('usage: node run_wasi_node.js [--dir HOST[::GUEST]]... FILE.wasm [ARGS...]');
  process.exit(2);
}
const file = argv[0];
const wasi = new WASI({
  version: 'preview1',
  args: argv,  // argv[0] is the program's name, as kiln run passes it
  env: {},
  preopens,
  returnOnExit: true,
});
const wasmModule = new WebAssembly.Module(fs.readFileSync(file));
const instance = new WebAssembly.Instance(wasmModule, wasi.getImportObject());
process.exitCode = wasi.start(instance);
