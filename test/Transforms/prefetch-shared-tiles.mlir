// RUN: flash-opt %s -split-input-file --flash-tile-attention --canonicalize --flash-assign-layouts --flash-prefetch-shared-tiles --flash-allocate-shared-memory | FileCheck %s

// The forward's K and V: loaded for the first key block before the loop,
// carried by it, and reloaded for the next block right after their last
// use (K after Q K^T, V after P V), into the same buffers; the last
// prefetch is drained after the loop.
// CHECK-LABEL: func.func private @fwd_attention_fwd(
// CHECK: %[[Q:.*]] = flash.load %arg0{{.*}} -> tensor<64x64xbf16, #flash.operand<a, #flash.mma<warps = 4>>>
// CHECK: %[[K0:.*]] = flash.load %arg1[%{{.*}}, %[[C0:c0[_0-9]*]], {{.*}} {flash.prefetched, flash.shared_offset = [[KOFF:[0-9]+]] : i64} : {{.*}} -> tensor<64x64xbf16, #flash.shared<padding = 8>>
// CHECK-NEXT: %[[V0:.*]] = flash.load %arg2[%{{.*}}, %[[C0]], {{.*}} {flash.prefetched, flash.shared_offset = [[VOFF:[0-9]+]] : i64} : {{.*}} -> tensor<64x64xbf16, #flash.shared<padding = 8>>
// CHECK-NEXT: %[[LOOP:.*]]:5 = scf.for %[[IV:.*]] = {{.*}} iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}, %[[K:.*]] = %[[K0]], %[[V:.*]] = %[[V0]])
// CHECK-NEXT: %[[S:.*]] = flash.dot %[[Q]], %[[K]], %{{.*}} {transpose_b}
// CHECK-NEXT: %[[NEXTK:.*]] = arith.addi %[[IV]], %c64
// CHECK-NEXT: %[[KN:.*]] = flash.load %arg1[%{{.*}}, %[[NEXTK]], {{.*}} {flash.shared_offset = [[KOFF]] : i64}
// CHECK: flash.online_softmax
// CHECK: %[[ACC:.*]] = flash.dot %{{.*}}, %[[V]], %{{.*}} :
// CHECK-NEXT: %[[NEXTV:.*]] = arith.addi %[[IV]], %c64
// CHECK-NEXT: %[[VN:.*]] = flash.load %arg2[%{{.*}}, %[[NEXTV]], {{.*}} {flash.shared_offset = [[VOFF]] : i64}
// CHECK-NEXT: scf.yield %[[ACC]], %{{.*}}, %{{.*}}, %[[KN]], %[[VN]]
// CHECK-NEXT: }
// CHECK-NEXT: flash.wait_shared_copies
// CHECK: flash.finalize %[[LOOP]]#0
func.func @fwd(%q: memref<2x256x4x64xbf16>, %k: memref<2x256x4x64xbf16>, %v: memref<2x256x4x64xbf16>,
               %o: memref<2x256x4x64xbf16>, %lse: memref<2x4x256xf32>) {
  flash.attention %q, %k, %v -> %o, %lse : memref<2x256x4x64xbf16>, memref<2x256x4x64xbf16>, memref<2x256x4x64xbf16> -> memref<2x256x4x64xbf16>, memref<2x4x256xf32>
  return
}

// -----

// The dK/dV kernel: Q and dO of the query-row loop are prefetched (each
// right after its last use: dO after dP = dO V^T, Q after dK += dS^T Q);
// K and V, loaded once before the loop, are not.
// CHECK-LABEL: func.func private @bwd_attention_grad_bwd_dkdv(
// CHECK: flash.load %arg1{{.*}} {flash.shared_offset = {{[0-9]+}} : i64}
// CHECK: flash.load %arg2{{.*}} {flash.shared_offset = {{[0-9]+}} : i64}
// CHECK: %[[Q0:.*]] = flash.load %arg0{{.*}} {flash.prefetched, flash.shared_offset = [[QOFF:[0-9]+]] : i64}
// CHECK-NEXT: %[[DO0:.*]] = flash.load %arg4{{.*}} {flash.prefetched, flash.shared_offset = [[DOOFF:[0-9]+]] : i64}
// CHECK: scf.for {{.*}} iter_args({{.*}}, %{{.*}} = %[[Q0]], %{{.*}} = %[[DO0]])
// CHECK: flash.load %arg4{{.*}} {flash.shared_offset = [[DOOFF]] : i64}
// CHECK: flash.load %arg0{{.*}} {flash.shared_offset = [[QOFF]] : i64}
// CHECK: scf.yield
// CHECK-NEXT: }
// CHECK-NEXT: flash.wait_shared_copies
func.func @bwd(%q: memref<1x128x2x64xf16>, %k: memref<1x128x2x64xf16>, %v: memref<1x128x2x64xf16>,
               %o: memref<1x128x2x64xf16>, %do: memref<1x128x2x64xf16>, %lse: memref<1x2x128xf32>,
               %dq: memref<1x128x2x64xf16>, %dk: memref<1x128x2x64xf16>, %dv: memref<1x128x2x64xf16>) {
  flash.attention_grad %q, %k, %v, %o, %do, %lse -> %dq, %dk, %dv : memref<1x128x2x64xf16>, memref<1x128x2x64xf16>, memref<1x128x2x64xf16>, memref<1x128x2x64xf16>, memref<1x128x2x64xf16>, memref<1x2x128xf32> -> memref<1x128x2x64xf16>, memref<1x128x2x64xf16>, memref<1x128x2x64xf16>
  return
}
