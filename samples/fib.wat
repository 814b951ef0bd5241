;; A small sample module for the quick start: an iterative Fibonacci, a
;; memory, a table and a few exports.
(module
  (memory (export "memory") 1)
  (table 1 funcref)
  (elem (i32.const 0) $fib)
  (func $fib (export "fib") (param $n i32) (result i64)
    (local $a i64) (local $b i64)
    (local.set $b (i64.const 1))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $b (i64.add (local.get $a) (local.tee $a (local.get $b))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $a))
  (func (export "fib_indirect") (param i32) (result i64)
    (call_indirect (param i32) (result i64) (local.get 0) (i32.const 0))))
