;; A module with imports, which `kiln run` cannot satisfy yet.
(module
  (import "env" "log" (func $log (param i32)))
  (import "env" "memory" (memory 1))
  (func (export "main") (call $log (i32.const 1))))
