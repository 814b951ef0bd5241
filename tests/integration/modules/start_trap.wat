;; A start function that traps while the module is instantiated.
(module
  (func $start unreachable)
  (start $start)
  (func (export "f") (result i32) (i32.const 1)))
