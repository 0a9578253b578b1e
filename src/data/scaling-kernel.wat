;; Feature scaling, two values at a time: out = clip((f64(x) - offset) / scale, -clip, clip), stored as
;; float32. The same float64 operations in the same order as scaledValue in scaling.ts (promote, sub,
;; div, then `v > clip ? clip : v < -clip ? -clip : v` as pmin/pmax), then rounded to float32 as a
;; Float32Array store rounds: the same bits for every value. Assembled by scripts/build-scaling-kernel.mjs.
(module
  (memory (export "memory") 1)
  ;; rows x cols float32 at $in -> $out (row-major); $off and $sc: cols float64 each.
  (func (export "scale") (param $in i32) (param $out i32) (param $rows i32) (param $cols i32)
        (param $off i32) (param $sc i32) (param $clip f64)
    (local $r i32) (local $c i32) (local $pairs i32) (local $bytes i32)
    (local $v v128) (local $hi v128) (local $lo v128) (local $s f64)
    (local.set $pairs (i32.and (local.get $cols) (i32.const -2)))
    (local.set $bytes (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $hi (f64x2.splat (local.get $clip)))
    (local.set $lo (f64x2.splat (f64.neg (local.get $clip))))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $c (i32.const 0))
        (block $pairsDone
          (loop $pair
            (br_if $pairsDone (i32.ge_u (local.get $c) (local.get $pairs)))
            (local.set $v
              (f64x2.div
                (f64x2.sub
                  (f64x2.promote_low_f32x4
                    (v128.load64_zero (i32.add (local.get $in) (i32.shl (local.get $c) (i32.const 2)))))
                  (v128.load (i32.add (local.get $off) (i32.shl (local.get $c) (i32.const 3)))))
                (v128.load (i32.add (local.get $sc) (i32.shl (local.get $c) (i32.const 3))))))
            ;; pmin(v, hi) = hi < v ? hi : v; pmax(., lo) = . < lo ? lo : .
            (local.set $v (f64x2.pmax (f64x2.pmin (local.get $v) (local.get $hi)) (local.get $lo)))
            (v128.store64_lane 0
              (i32.add (local.get $out) (i32.shl (local.get $c) (i32.const 2)))
              (f32x4.demote_f64x2_zero (local.get $v)))
            (local.set $c (i32.add (local.get $c) (i32.const 2)))
            (br $pair)))
        ;; An odd column count: the last column alone.
        (if (i32.lt_u (local.get $c) (local.get $cols))
          (then
            (local.set $s
              (f64.div
                (f64.sub
                  (f64.promote_f32 (f32.load (i32.add (local.get $in) (i32.shl (local.get $c) (i32.const 2)))))
                  (f64.load (i32.add (local.get $off) (i32.shl (local.get $c) (i32.const 3)))))
                (f64.load (i32.add (local.get $sc) (i32.shl (local.get $c) (i32.const 3))))))
            (local.set $s (select (local.get $clip) (local.get $s) (f64.gt (local.get $s) (local.get $clip))))
            (local.set $s (select (f64.neg (local.get $clip)) (local.get $s) (f64.lt (local.get $s) (f64.neg (local.get $clip)))))
            (f32.store (i32.add (local.get $out) (i32.shl (local.get $c) (i32.const 2))) (f32.demote_f64 (local.get $s)))))
        (local.set $in (i32.add (local.get $in) (local.get $bytes)))
        (local.set $out (i32.add (local.get $out) (local.get $bytes)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))
)
