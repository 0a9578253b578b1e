(module
  (import "env" "memory" (memory 1))
  ;; The kernel and input gradients of a max-pooled 'same' convolution block, NHWC float32, at byte
  ;; offsets into the memory (tfjs's wasm heap). After a pool x pool max pool only one conv output per
  ;; window and filter has a gradient (the window's first max, row-major, as tfjs's cpu kernel picks),
  ;; so instead of two dense convolutions with a mostly-zero output gradient this walks the pooled
  ;; gradient: for each nonzero dp[n, i, j, f] it finds its window's first max in z (the conv output
  ;; the max pool read) and adds g x the input's k x k x C patch under that output to dWt[f] and g x
  ;; Wt[f] to the input gradient's patch. A quarter of the dense work for 2 x 2 pooling, less where
  ;; the activation's gradient is zero (relu).
  ;;   x   [n, h, w, c]     the block's input             z   [n, zh, zw, f]  the conv output (with bias)
  ;;   pooled, dp [n, zh/pool, zw/pool, f]  the max pool's output and its gradient (through the activation)
  ;;   wt  [f, k, k, c]     the kernel, filters first      dwt [f, k, k, c]  its gradient (0: not wanted)
  ;;   dx  [n, h, w, c]     the input gradient (0: not wanted); both outputs are zeroed here first
  ;; s is the conv stride, top and left its 'same' padding. Every sum is float32 in a fixed order, so
  ;; the result is deterministic.
  (func (export "pooledConvGrad")
        (param $x i32) (param $z i32) (param $pooled i32) (param $dp i32) (param $wt i32) (param $dwt i32) (param $dx i32)
        (param $n i32) (param $h i32) (param $w i32) (param $c i32)
        (param $zh i32) (param $zw i32) (param $f i32)
        (param $k i32) (param $s i32) (param $top i32) (param $left i32) (param $pool i32)
    (local $ph i32) (local $pw i32) (local $b i32) (local $pi i32) (local $pj i32) (local $ff i32)
    (local $o i32) (local $g f32) (local $gv v128) (local $m f32)
    (local $di i32) (local $dj i32) (local $zi i32) (local $zj i32) (local $found i32)
    (local $y0 i32) (local $x0 i32) (local $a i32) (local $bb i32) (local $yy i32) (local $xx i32)
    (local $xo i32) (local $wo i32) (local $cb i32) (local $c4 i32) (local $i i32) (local $p i32) (local $q i32)
    (local $patchW i32)
    (local.set $ph (i32.div_u (local.get $zh) (local.get $pool)))
    (local.set $pw (i32.div_u (local.get $zw) (local.get $pool)))
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (local.set $c4 (i32.shl (i32.and (local.get $c) (i32.const -4)) (i32.const 2)))
    (if (local.get $dwt)
      (then (call $zero (local.get $dwt) (i32.mul (i32.mul (local.get $f) (i32.mul (local.get $k) (local.get $k))) (local.get $c)))))
    (if (local.get $dx)
      (then (call $zero (local.get $dx) (i32.mul (i32.mul (local.get $n) (i32.mul (local.get $h) (local.get $w))) (local.get $c)))))
    ;; o walks dp and pooled in order: [b, pi, pj, ff] row-major.
    (local.set $o (i32.const 0))
    (block $bDone (loop $bLoop
      (br_if $bDone (i32.ge_u (local.get $b) (local.get $n)))
      (local.set $pi (i32.const 0))
      (block $piDone (loop $piLoop
        (br_if $piDone (i32.ge_u (local.get $pi) (local.get $ph)))
        (local.set $pj (i32.const 0))
        (block $pjDone (loop $pjLoop
          (br_if $pjDone (i32.ge_u (local.get $pj) (local.get $pw)))
          (local.set $ff (i32.const 0))
          (block $fDone (loop $fLoop
            (br_if $fDone (i32.ge_u (local.get $ff) (local.get $f)))
            (local.set $g (f32.load (i32.add (local.get $dp) (i32.shl (local.get $o) (i32.const 2)))))
            (block $skip
              (br_if $skip (f32.eq (local.get $g) (f32.const 0)))
              (local.set $m (f32.load (i32.add (local.get $pooled) (i32.shl (local.get $o) (i32.const 2)))))
              ;; The window's first max, row-major; none (a NaN max): the gradient is dropped.
              (local.set $found (i32.const 0))
              (local.set $di (i32.const 0))
              (block $diDone (loop $diLoop
                (br_if $diDone (i32.ge_u (local.get $di) (local.get $pool)))
                (local.set $zi (i32.add (i32.mul (local.get $pi) (local.get $pool)) (local.get $di)))
                (local.set $dj (i32.const 0))
                (block $djDone (loop $djLoop
                  (br_if $djDone (i32.ge_u (local.get $dj) (local.get $pool)))
                  (local.set $zj (i32.add (i32.mul (local.get $pj) (local.get $pool)) (local.get $dj)))
                  (if (f32.eq (local.get $m)
                        (f32.load (i32.add (local.get $z) (i32.shl
                          (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $zh)) (local.get $zi)) (local.get $zw)) (local.get $zj)) (local.get $f)) (local.get $ff))
                          (i32.const 2)))))
                    (then (local.set $found (i32.const 1)) (br $diDone)))
                  (local.set $dj (i32.add (local.get $dj) (i32.const 1)))
                  (br $djLoop)))
                (local.set $di (i32.add (local.get $di) (i32.const 1)))
                (br $diLoop)))
              (br_if $skip (i32.eqz (local.get $found)))
              (local.set $gv (f32x4.splat (local.get $g)))
              (local.set $y0 (i32.sub (i32.mul (local.get $zi) (local.get $s)) (local.get $top)))
              (local.set $x0 (i32.sub (i32.mul (local.get $zj) (local.get $s)) (local.get $left)))
              (local.set $a (i32.const 0))
              (block $aDone (loop $aLoop
                (br_if $aDone (i32.ge_u (local.get $a) (local.get $k)))
                (local.set $yy (i32.add (local.get $y0) (local.get $a)))
                (block $rowSkip
                  (br_if $rowSkip (i32.ge_u (local.get $yy) (local.get $h))) ;; also yy < 0 (unsigned)
                  (local.set $bb (i32.const 0))
                  (block $bbDone (loop $bbLoop
                    (br_if $bbDone (i32.ge_u (local.get $bb) (local.get $k)))
                    (local.set $xx (i32.add (local.get $x0) (local.get $bb)))
                    (block $colSkip
                      (br_if $colSkip (i32.ge_u (local.get $xx) (local.get $w)))
                      (local.set $xo (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $h)) (local.get $yy)) (local.get $w)) (local.get $xx)) (local.get $cb)))
                      (local.set $wo (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $ff) (local.get $k)) (local.get $a)) (local.get $k)) (local.get $bb)) (local.get $cb)))
                      (if (local.get $dwt)
                        (then
                          (local.set $p (i32.add (local.get $dwt) (local.get $wo)))
                          (local.set $q (i32.add (local.get $x) (local.get $xo)))
                          (call $axpy (local.get $p) (local.get $q) (local.get $gv) (local.get $g) (local.get $c4) (local.get $cb))))
                      (if (local.get $dx)
                        (then
                          (local.set $p (i32.add (local.get $dx) (local.get $xo)))
                          (local.set $q (i32.add (local.get $wt) (local.get $wo)))
                          (call $axpy (local.get $p) (local.get $q) (local.get $gv) (local.get $g) (local.get $c4) (local.get $cb)))))
                    (local.set $bb (i32.add (local.get $bb) (i32.const 1)))
                    (br $bbLoop))))
                (local.set $a (i32.add (local.get $a) (i32.const 1)))
                (br $aLoop))))
            (local.set $o (i32.add (local.get $o) (i32.const 1)))
            (local.set $ff (i32.add (local.get $ff) (i32.const 1)))
            (br $fLoop)))
          (local.set $pj (i32.add (local.get $pj) (i32.const 1)))
          (br $pjLoop)))
        (local.set $pi (i32.add (local.get $pi) (i32.const 1)))
        (br $piLoop)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $bLoop))))

  ;; y[0..c) += g x[0..c) over byte offsets: c4 bytes four lanes at a time, then to cb bytes one by one.
  (func $axpy (param $y i32) (param $x i32) (param $gv v128) (param $g f32) (param $c4 i32) (param $cb i32)
    (local $i i32)
    (block $done4 (loop $l4
      (br_if $done4 (i32.ge_u (local.get $i) (local.get $c4)))
      (v128.store (i32.add (local.get $y) (local.get $i))
        (f32x4.add (v128.load (i32.add (local.get $y) (local.get $i)))
                   (f32x4.mul (local.get $gv) (v128.load (i32.add (local.get $x) (local.get $i))))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $l4)))
    (block $done (loop $l1
      (br_if $done (i32.ge_u (local.get $i) (local.get $cb)))
      (f32.store (i32.add (local.get $y) (local.get $i))
        (f32.add (f32.load (i32.add (local.get $y) (local.get $i)))
                 (f32.mul (local.get $g) (f32.load (i32.add (local.get $x) (local.get $i))))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $l1))))

  ;; n float32 zeros at byte offset p.
  (func $zero (param $p i32) (param $n i32)
    (local $i i32) (local $end i32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      (f32.store (i32.add (local.get $p) (local.get $i)) (f32.const 0))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $l)))))
