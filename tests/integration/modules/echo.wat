;; Identity functions of every type, to check how `kiln run` reads
;; arguments and prints results.
(module
  (func (export "i32") (param i32) (result i32) (local.get 0))
  (func (export "i64") (param i64) (result i64) (local.get 0))
  (func (export "f32") (param f32) (result f32) (local.get 0))
  (func (export "f64") (param f64) (result f64) (local.get 0))
  (func (export "funcref") (param funcref) (result funcref) (local.get 0))
  (func (export "externref") (param externref) (result externref) (local.get 0))
  (func (export "swap") (param i32 f64) (result f64 i32) (local.get 1) (local.get 0))
  (func (export "v128") (param v128) (result v128) (local.get 0))
  (func (export "i32x4.add") (param v128 v128) (result v128)
    (i32x4.add (local.get 0) (local.get 1)))
  (func (export "none"))
  (global (export "answer") i32 (i32.const 42)))
