(module
  (import "env" "memory" (memory 1))
  ;; A max-pooled 'same' conv block, forward and backward, NHWC float32, at byte offsets into the
  ;; memory (tfjs's wasm heap). Every sum is float32 in a fixed order: the results are deterministic.
  ;;
  ;; Why by hand (measured on the benchmark's CNN, wasm, one core): XNNPACK's first-block convolution
  ;; (1 input channel) is memory-bound, writing a conv output 4x the pooled one that the max pool
  ;; then reads again, and after a 2 x 2 pool only one conv output per window and filter has a
  ;; gradient, which two dense gradient convolutions spend 4x the work on. Here the forward pass
  ;; keeps the window's four outputs in registers and writes only their max and which one it was;
  ;; the backward pass walks the pooled gradient to those positions.
  ;;
  ;; Shapes: xp [n, hp, wp, c] the block's input zero-padded ('same', with 4 floats of slack after),
  ;; w [k, k, c, f] the kernel, out / dp [n, ph, pw, f] the pooled output and its gradient,
  ;; idx [n, ph, pw, f] bytes: the window position (row-major) of each max.

  ;; Forward, 2 x 2 pooling, f a multiple of 8: out = max over the window of (bias + conv), relu
  ;; applied when `relu` is 1 (max then relu equals relu then max); idx its first max.
  (func (export "convPool")
        (param $xp i32) (param $w i32) (param $bias i32) (param $out i32) (param $idx i32)
        (param $n i32) (param $hp i32) (param $wp i32) (param $c i32) (param $f i32) (param $k i32) (param $s i32)
        (param $ph i32) (param $pw i32) (param $relu i32)
    (local $b i32) (local $pi i32) (local $pj i32) (local $fg i32) (local $o i32)
    (local $cb i32) (local $fb i32) (local $d1 i32) (local $d2 i32) (local $d3 i32) (local $p00 i32)
    (local $a i32) (local $bb i32) (local $cc i32) (local $xo i32) (local $wo i32) (local $at i32)
    (local $q0a v128) (local $q0b v128) (local $q1a v128) (local $q1b v128)
    (local $q2a v128) (local $q2b v128) (local $q3a v128) (local $q3b v128)
    (local $wa v128) (local $wb v128) (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128)
    (local $ia v128) (local $ib v128) (local $m v128)
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (local.set $fb (i32.shl (local.get $f) (i32.const 2)))
    (local.set $d1 (i32.mul (local.get $s) (local.get $cb)))
    (local.set $d2 (i32.mul (local.get $d1) (local.get $wp)))
    (local.set $d3 (i32.add (local.get $d1) (local.get $d2)))
    (local.set $o (i32.const 0))
    (block $bDone (loop $bLoop
      (br_if $bDone (i32.ge_u (local.get $b) (local.get $n)))
      (local.set $pi (i32.const 0))
      (block $piDone (loop $piLoop
        (br_if $piDone (i32.ge_u (local.get $pi) (local.get $ph)))
        (local.set $pj (i32.const 0))
        (block $pjDone (loop $pjLoop
          (br_if $pjDone (i32.ge_u (local.get $pj) (local.get $pw)))
          ;; The window's top-left conv output reads the padded input from row 2 pi s, column 2 pj s.
          (local.set $p00 (i32.add (local.get $xp) (i32.mul (local.get $cb)
            (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $hp)) (i32.shl (i32.mul (local.get $pi) (local.get $s)) (i32.const 1))) (local.get $wp))
                     (i32.shl (i32.mul (local.get $pj) (local.get $s)) (i32.const 1))))))
          (local.set $fg (i32.const 0))
          (block $fDone (loop $fLoop
            (br_if $fDone (i32.ge_u (local.get $fg) (local.get $f)))
            (local.set $q0a (v128.load (i32.add (local.get $bias) (i32.shl (local.get $fg) (i32.const 2)))))
            (local.set $q0b (v128.load offset=16 (i32.add (local.get $bias) (i32.shl (local.get $fg) (i32.const 2)))))
            (local.set $q1a (local.get $q0a)) (local.set $q1b (local.get $q0b))
            (local.set $q2a (local.get $q0a)) (local.set $q2b (local.get $q0b))
            (local.set $q3a (local.get $q0a)) (local.set $q3b (local.get $q0b))
            (local.set $a (i32.const 0))
            (block $aDone (loop $aLoop
              (br_if $aDone (i32.ge_u (local.get $a) (local.get $k)))
              (local.set $bb (i32.const 0))
              (block $bbDone (loop $bbLoop
                (br_if $bbDone (i32.ge_u (local.get $bb) (local.get $k)))
                (local.set $xo (i32.add (local.get $p00) (i32.mul (i32.add (i32.mul (local.get $a) (local.get $wp)) (local.get $bb)) (local.get $cb))))
                (local.set $wo (i32.add (local.get $w) (i32.add
                  (i32.mul (i32.mul (i32.add (i32.mul (local.get $a) (local.get $k)) (local.get $bb)) (local.get $c)) (local.get $fb))
                  (i32.shl (local.get $fg) (i32.const 2)))))
                (local.set $cc (i32.const 0))
                (block $cDone (loop $cLoop
                  (br_if $cDone (i32.ge_u (local.get $cc) (local.get $c)))
                  (local.set $wa (v128.load (local.get $wo)))
                  (local.set $wb (v128.load offset=16 (local.get $wo)))
                  (local.set $x0 (v128.load32_splat (local.get $xo)))
                  (local.set $x1 (v128.load32_splat (i32.add (local.get $xo) (local.get $d1))))
                  (local.set $x2 (v128.load32_splat (i32.add (local.get $xo) (local.get $d2))))
                  (local.set $x3 (v128.load32_splat (i32.add (local.get $xo) (local.get $d3))))
                  (local.set $q0a (f32x4.add (local.get $q0a) (f32x4.mul (local.get $x0) (local.get $wa))))
                  (local.set $q0b (f32x4.add (local.get $q0b) (f32x4.mul (local.get $x0) (local.get $wb))))
                  (local.set $q1a (f32x4.add (local.get $q1a) (f32x4.mul (local.get $x1) (local.get $wa))))
                  (local.set $q1b (f32x4.add (local.get $q1b) (f32x4.mul (local.get $x1) (local.get $wb))))
                  (local.set $q2a (f32x4.add (local.get $q2a) (f32x4.mul (local.get $x2) (local.get $wa))))
                  (local.set $q2b (f32x4.add (local.get $q2b) (f32x4.mul (local.get $x2) (local.get $wb))))
                  (local.set $q3a (f32x4.add (local.get $q3a) (f32x4.mul (local.get $x3) (local.get $wa))))
                  (local.set $q3b (f32x4.add (local.get $q3b) (f32x4.mul (local.get $x3) (local.get $wb))))
                  (local.set $xo (i32.add (local.get $xo) (i32.const 4)))
                  (local.set $wo (i32.add (local.get $wo) (local.get $fb)))
                  (local.set $cc (i32.add (local.get $cc) (i32.const 1)))
                  (br $cLoop)))
                (local.set $bb (i32.add (local.get $bb) (i32.const 1)))
                (br $bbLoop)))
              (local.set $a (i32.add (local.get $a) (i32.const 1)))
              (br $aLoop)))
            ;; The first max of the window (a later position only wins when strictly greater).
            (local.set $ia (v128.const i32x4 0 0 0 0))
            (local.set $ib (v128.const i32x4 0 0 0 0))
            (local.set $m (f32x4.gt (local.get $q1a) (local.get $q0a)))
            (local.set $q0a (v128.bitselect (local.get $q1a) (local.get $q0a) (local.get $m)))
            (local.set $ia (v128.bitselect (v128.const i32x4 1 1 1 1) (local.get $ia) (local.get $m)))
            (local.set $m (f32x4.gt (local.get $q1b) (local.get $q0b)))
            (local.set $q0b (v128.bitselect (local.get $q1b) (local.get $q0b) (local.get $m)))
            (local.set $ib (v128.bitselect (v128.const i32x4 1 1 1 1) (local.get $ib) (local.get $m)))
            (local.set $m (f32x4.gt (local.get $q2a) (local.get $q0a)))
            (local.set $q0a (v128.bitselect (local.get $q2a) (local.get $q0a) (local.get $m)))
            (local.set $ia (v128.bitselect (v128.const i32x4 2 2 2 2) (local.get $ia) (local.get $m)))
            (local.set $m (f32x4.gt (local.get $q2b) (local.get $q0b)))
            (local.set $q0b (v128.bitselect (local.get $q2b) (local.get $q0b) (local.get $m)))
            (local.set $ib (v128.bitselect (v128.const i32x4 2 2 2 2) (local.get $ib) (local.get $m)))
            (local.set $m (f32x4.gt (local.get $q3a) (local.get $q0a)))
            (local.set $q0a (v128.bitselect (local.get $q3a) (local.get $q0a) (local.get $m)))
            (local.set $ia (v128.bitselect (v128.const i32x4 3 3 3 3) (local.get $ia) (local.get $m)))
            (local.set $m (f32x4.gt (local.get $q3b) (local.get $q0b)))
            (local.set $q0b (v128.bitselect (local.get $q3b) (local.get $q0b) (local.get $m)))
            (local.set $ib (v128.bitselect (v128.const i32x4 3 3 3 3) (local.get $ib) (local.get $m)))
            (if (local.get $relu)
              (then
                (local.set $q0a (f32x4.max (local.get $q0a) (v128.const f32x4 0 0 0 0)))
                (local.set $q0b (f32x4.max (local.get $q0b) (v128.const f32x4 0 0 0 0)))))
            (local.set $at (i32.add (local.get $o) (local.get $fg)))
            (v128.store (i32.add (local.get $out) (i32.shl (local.get $at) (i32.const 2))) (local.get $q0a))
            (v128.store offset=16 (i32.add (local.get $out) (i32.shl (local.get $at) (i32.const 2))) (local.get $q0b))
            ;; Lanes 0, 4, 8, 12 of the two index vectors are the 8 index bytes.
            (i64.store (i32.add (local.get $idx) (local.get $at))
              (i64x2.extract_lane 0 (i8x16.shuffle 0 4 8 12 16 20 24 28 0 0 0 0 0 0 0 0 (local.get $ia) (local.get $ib))))
            (local.set $fg (i32.add (local.get $fg) (i32.const 8)))
            (br $fLoop)))
          (local.set $o (i32.add (local.get $o) (local.get $f)))
          (local.set $pj (i32.add (local.get $pj) (i32.const 1)))
          (br $pjLoop)))
        (local.set $pi (i32.add (local.get $pi) (i32.const 1)))
        (br $piLoop)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $bLoop))))

  ;; Where convPool does not apply (other pools, f not a multiple of 8): idx from the conv output z
  ;; [n, zh, zw, f] and its max pool `pooled`, the first position holding the max; 255 where none
  ;; does (a NaN max: its gradient is dropped).
  (func (export "poolArgmax")
        (param $z i32) (param $pooled i32) (param $idx i32)
        (param $n i32) (param $zh i32) (param $zw i32) (param $f i32) (param $pool i32) (param $ph i32) (param $pw i32)
    (local $b i32) (local $pi i32) (local $pj i32) (local $ff i32) (local $o i32) (local $m f32)
    (local $di i32) (local $dj i32) (local $q i32)
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
            (local.set $m (f32.load (i32.add (local.get $pooled) (i32.shl (local.get $o) (i32.const 2)))))
            (local.set $q (i32.const 255))
            (local.set $di (i32.const 0))
            (block $found (loop $diLoop
              (br_if $found (i32.ge_u (local.get $di) (local.get $pool)))
              (local.set $dj (i32.const 0))
              (block $djDone (loop $djLoop
                (br_if $djDone (i32.ge_u (local.get $dj) (local.get $pool)))
                (if (f32.eq (local.get $m)
                      (f32.load (i32.add (local.get $z) (i32.shl (i32.add (i32.mul (i32.add (i32.mul
                        (i32.add (i32.mul (local.get $b) (local.get $zh)) (i32.add (i32.mul (local.get $pi) (local.get $pool)) (local.get $di)))
                        (local.get $zw)) (i32.add (i32.mul (local.get $pj) (local.get $pool)) (local.get $dj))) (local.get $f)) (local.get $ff)) (i32.const 2)))))
                  (then
                    (local.set $q (i32.add (i32.mul (local.get $di) (local.get $pool)) (local.get $dj)))
                    (br $found)))
                (local.set $dj (i32.add (local.get $dj) (i32.const 1)))
                (br $djLoop)))
              (local.set $di (i32.add (local.get $di) (i32.const 1)))
              (br $diLoop)))
            (i32.store8 (i32.add (local.get $idx) (local.get $o)) (local.get $q))
            (local.set $o (i32.add (local.get $o) (i32.const 1)))
            (local.set $ff (i32.add (local.get $ff) (i32.const 1)))
            (br $fLoop)))
          (local.set $pj (i32.add (local.get $pj) (i32.const 1)))
          (br $pjLoop)))
        (local.set $pi (i32.add (local.get $pi) (i32.const 1)))
        (br $piLoop)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $bLoop))))

  ;; Backward: for each nonzero dp[n, i, j, f] (and, with `out` given, a positive relu output) its
  ;; window's max at idx gets it, so g x the padded input's k x k x c patch under that conv output
  ;; goes to the kernel gradient of filter f, g to dbias[f] and g x filter f to the padded input
  ;; gradient dxp's patch (dw, dbias, dxp 0: not wanted; each written whole). A quarter of the
  ;; dense work for 2 x 2 pooling, less where relu's gradient is zero.
  ;; A patch row (k x c floats) is contiguous in xp and dxp; the filters are first repacked filter
  ;; by filter into wt, and the kernel gradient summed in dwt, as [f, k, rowPad] with each row padded
  ;; to whole vectors (rowPad: k x c rounded up to 4), so every patch row is whole SIMD lanes with no
  ;; scalar tail (measured: the first block, c = 1, spent most of its backward time in 3-float tails).
  ;; The lanes past a patch row read the next pixels of xp (so xp and dxp need 3 floats of slack at
  ;; their end): in dwt they land in the padding, discarded; in dxp they add g x wt's zero padding.
  ;; w [k, k, c, f] is read to build wt, dw [k, k, c, f] written from dwt at the end.
  (func (export "pooledConvGrad")
        (param $xp i32) (param $idx i32) (param $dp i32) (param $out i32) (param $w i32) (param $wt i32)
        (param $dwt i32) (param $dw i32) (param $dbias i32) (param $dxp i32)
        (param $n i32) (param $hp i32) (param $wp i32) (param $c i32) (param $ph i32) (param $pw i32) (param $f i32)
        (param $k i32) (param $s i32) (param $pool i32)
    (local $b i32) (local $pi i32) (local $pj i32) (local $ff i32) (local $o i32) (local $g f32) (local $gv v128)
    (local $q i32) (local $cb i32) (local $rowBytes i32) (local $padBytes i32) (local $base i32) (local $a i32)
    (local $xo i32) (local $wo i32) (local $i i32) (local $xRow i32)
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (local.set $rowBytes (i32.mul (local.get $k) (local.get $cb)))
    (local.set $padBytes (i32.and (i32.add (local.get $rowBytes) (i32.const 12)) (i32.const -16)))
    (local.set $xRow (i32.mul (local.get $wp) (local.get $cb)))
    (if (local.get $dwt)
      (then (call $zero (local.get $dwt) (i32.mul (i32.mul (local.get $f) (local.get $k)) (local.get $padBytes)))))
    (if (local.get $dbias)
      (then (call $zero (local.get $dbias) (i32.shl (local.get $f) (i32.const 2)))))
    (if (local.get $dxp)
      (then
        (call $zero (local.get $dxp) (i32.add (i32.mul (i32.mul (local.get $n) (i32.mul (local.get $hp) (local.get $wp))) (local.get $cb)) (i32.const 16)))
        (call $zero (local.get $wt) (i32.mul (i32.mul (local.get $f) (local.get $k)) (local.get $padBytes)))
        (call $repack (local.get $w) (local.get $wt) (local.get $k) (local.get $c) (local.get $f) (local.get $padBytes) (i32.const 1))))
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
            (block $skip
              (local.set $g (f32.load (i32.add (local.get $dp) (i32.shl (local.get $o) (i32.const 2)))))
              (br_if $skip (f32.eq (local.get $g) (f32.const 0)))
              (if (local.get $out)
                (then (br_if $skip (i32.eqz (f32.gt (f32.load (i32.add (local.get $out) (i32.shl (local.get $o) (i32.const 2)))) (f32.const 0))))))
              (local.set $q (i32.load8_u (i32.add (local.get $idx) (local.get $o))))
              (br_if $skip (i32.ge_u (local.get $q) (i32.mul (local.get $pool) (local.get $pool))))
              (if (local.get $dbias)
                (then (f32.store (i32.add (local.get $dbias) (i32.shl (local.get $ff) (i32.const 2)))
                  (f32.add (f32.load (i32.add (local.get $dbias) (i32.shl (local.get $ff) (i32.const 2)))) (local.get $g)))))
              (local.set $gv (f32x4.splat (local.get $g)))
              ;; The conv output (pi pool + q / pool, pj pool + q % pool) reads the padded input from there x s.
              (local.set $base (i32.mul (local.get $cb) (i32.add
                (i32.mul (i32.add (i32.mul (local.get $b) (local.get $hp))
                  (i32.mul (local.get $s) (i32.add (i32.mul (local.get $pi) (local.get $pool)) (i32.div_u (local.get $q) (local.get $pool))))) (local.get $wp))
                (i32.mul (local.get $s) (i32.add (i32.mul (local.get $pj) (local.get $pool)) (i32.rem_u (local.get $q) (local.get $pool)))))))
              (local.set $wo (i32.mul (i32.mul (local.get $ff) (local.get $k)) (local.get $padBytes)))
              (local.set $a (i32.const 0))
              (block $aDone (loop $aLoop
                (br_if $aDone (i32.ge_u (local.get $a) (local.get $k)))
                (local.set $xo (local.get $base))
                (local.set $i (i32.const 0))
                (block $iDone (loop $iLoop
                  (br_if $iDone (i32.ge_u (local.get $i) (local.get $padBytes)))
                  (if (local.get $dwt)
                    (then (v128.store (i32.add (local.get $dwt) (i32.add (local.get $wo) (local.get $i)))
                      (f32x4.add (v128.load (i32.add (local.get $dwt) (i32.add (local.get $wo) (local.get $i))))
                                 (f32x4.mul (local.get $gv) (v128.load (i32.add (local.get $xp) (i32.add (local.get $xo) (local.get $i)))))))))
                  (if (local.get $dxp)
                    (then (v128.store (i32.add (local.get $dxp) (i32.add (local.get $xo) (local.get $i)))
                      (f32x4.add (v128.load (i32.add (local.get $dxp) (i32.add (local.get $xo) (local.get $i))))
                                 (f32x4.mul (local.get $gv) (v128.load (i32.add (local.get $wt) (i32.add (local.get $wo) (local.get $i)))))))))
                  (local.set $i (i32.add (local.get $i) (i32.const 16)))
                  (br $iLoop)))
                (local.set $base (i32.add (local.get $base) (local.get $xRow)))
                (local.set $wo (i32.add (local.get $wo) (local.get $padBytes)))
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
      (br $bLoop)))
    (if (local.get $dwt)
      (then (call $repack (local.get $dw) (local.get $dwt) (local.get $k) (local.get $c) (local.get $f) (local.get $padBytes) (i32.const 0)))))

  ;; Between [k, k, c, f] at w and [f, k, rowPad] at p (rows padBytes long): toPadded 1 copies w
  ;; into p, 0 copies p back into w (the padding untouched either way).
  (func $repack (param $w i32) (param $p i32) (param $k i32) (param $c i32) (param $f i32) (param $padBytes i32) (param $toPadded i32)
    (local $ff i32) (local $a i32) (local $j i32) (local $rowLen i32) (local $wi i32) (local $pi i32)
    (local.set $rowLen (i32.mul (local.get $k) (local.get $c)))
    (block $fDone (loop $fLoop
      (br_if $fDone (i32.ge_u (local.get $ff) (local.get $f)))
      (local.set $a (i32.const 0))
      (block $aDone (loop $aLoop
        (br_if $aDone (i32.ge_u (local.get $a) (local.get $k)))
        (local.set $j (i32.const 0))
        (block $jDone (loop $jLoop
          (br_if $jDone (i32.ge_u (local.get $j) (local.get $rowLen)))
          ;; w[(a k c + j) f + ff]; p at (ff k + a) padBytes + 4 j.
          (local.set $wi (i32.add (local.get $w) (i32.shl (i32.add (i32.mul (i32.add (i32.mul (local.get $a) (local.get $rowLen)) (local.get $j)) (local.get $f)) (local.get $ff)) (i32.const 2))))
          (local.set $pi (i32.add (local.get $p) (i32.add (i32.mul (i32.add (i32.mul (local.get $ff) (local.get $k)) (local.get $a)) (local.get $padBytes)) (i32.shl (local.get $j) (i32.const 2)))))
          (if (local.get $toPadded)
            (then (f32.store (local.get $pi) (f32.load (local.get $wi))))
            (else (f32.store (local.get $wi) (f32.load (local.get $pi)))))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $jLoop)))
        (local.set $a (i32.add (local.get $a) (i32.const 1)))
        (br $aLoop)))
      (local.set $ff (i32.add (local.get $ff) (i32.const 1)))
      (br $fLoop))))

  ;; xp [n, hp, wp, c] = x [n, h, w, c] zero-padded by top rows and left columns (and what is left over).
  (func (export "pad")
        (param $x i32) (param $xp i32) (param $n i32) (param $h i32) (param $w i32) (param $c i32)
        (param $hp i32) (param $wp i32) (param $top i32) (param $left i32)
    (local $b i32) (local $i i32) (local $rowBytes i32)
    (local.set $rowBytes (i32.shl (i32.mul (local.get $w) (local.get $c)) (i32.const 2)))
    ;; With 4 floats of slack after the image, zeroed too (pooledConvGrad reads whole vectors).
    (call $zero (local.get $xp) (i32.add (i32.shl (i32.mul (i32.mul (local.get $n) (local.get $hp)) (i32.mul (local.get $wp) (local.get $c))) (i32.const 2)) (i32.const 16)))
    (block $bDone (loop $bLoop
      (br_if $bDone (i32.ge_u (local.get $b) (local.get $n)))
      (local.set $i (i32.const 0))
      (block $iDone (loop $iLoop
        (br_if $iDone (i32.ge_u (local.get $i) (local.get $h)))
        (memory.copy
          (i32.add (local.get $xp) (i32.shl (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $hp)) (i32.add (local.get $i) (local.get $top))) (local.get $wp)) (local.get $left)) (local.get $c)) (i32.const 2)))
          (i32.add (local.get $x) (i32.mul (i32.add (i32.mul (local.get $b) (local.get $h)) (local.get $i)) (local.get $rowBytes)))
          (local.get $rowBytes))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $iLoop)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $bLoop))))

  ;; The inverse of pad: dx [n, h, w, c] = the interior of dxp [n, hp, wp, c].
  (func (export "crop")
        (param $dxp i32) (param $dx i32) (param $n i32) (param $h i32) (param $w i32) (param $c i32)
        (param $hp i32) (param $wp i32) (param $top i32) (param $left i32)
    (local $b i32) (local $i i32) (local $rowBytes i32)
    (local.set $rowBytes (i32.shl (i32.mul (local.get $w) (local.get $c)) (i32.const 2)))
    (block $bDone (loop $bLoop
      (br_if $bDone (i32.ge_u (local.get $b) (local.get $n)))
      (local.set $i (i32.const 0))
      (block $iDone (loop $iLoop
        (br_if $iDone (i32.ge_u (local.get $i) (local.get $h)))
        (memory.copy
          (i32.add (local.get $dx) (i32.mul (i32.add (i32.mul (local.get $b) (local.get $h)) (local.get $i)) (local.get $rowBytes)))
          (i32.add (local.get $dxp) (i32.shl (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $hp)) (i32.add (local.get $i) (local.get $top))) (local.get $wp)) (local.get $left)) (local.get $c)) (i32.const 2)))
          (local.get $rowBytes))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $iLoop)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $bLoop))))

  ;; `bytes` zero bytes at p.
  (func $zero (param $p i32) (param $bytes i32)
    (memory.fill (local.get $p) (i32.const 0) (local.get $bytes))))
