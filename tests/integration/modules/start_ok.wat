;; A start function that completes; nothing to print.
(module
  (global $g (mut i32) (i32.const 0))
  (func $start (global.set $g (i32.const 1)))
  (start $start)
  (func (export "get") (result i32) (global.get $g)))
