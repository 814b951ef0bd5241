;; A sample module that traps, for `kiln run`:
;;   kiln run samples/trap.wasm --invoke div 7 0
;;   trap: integer divide by zero (integer_divide_by_zero)   [exit status 3]
(module
  (memory 1)
  (func (export "div") (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1)))
  (func (export "load") (param i32) (result i32)
    (i32.load (local.get 0)))
  (func (export "unreachable")
    unreachable))
