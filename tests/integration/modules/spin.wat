;; spin.wat — an export that never returns, for the tests of interrupting
;; and cancelling a running guest. Built with wat2wasm (spin.wasm is
;; checked in).
(module
  (func (export "spin")
    (loop $forever (br $forever))))
