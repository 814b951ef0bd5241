;; A sample module that traps, for `kiln run`:
;;   kiln run samples/trap.wasm --invoke div 7 0
;;   trap: integer divide by zero (integer_divide_by_zero)   [exit status 3]
;;   wasm backtrace:
;;       0: 0x4c - divide (function 0)
;;       1: 0x54 - div (function 1)
;; Built with `wat2wasm --debug-names`, so backtraces show the names.
(module
  (memory 1)
  (func $divide (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1)))
  (func $div (export "div") (param i32 i32) (result i32)
    (call $divide (local.get 0) (local.get 1)))
  (func $load (export "load") (param i32) (result i32)
    (i32.load (local.get 0)))
  (func $unreachable (export "unreachable")
    unreachable))
