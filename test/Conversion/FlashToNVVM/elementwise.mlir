// RUN: flash-opt %s -split-input-file --convert-flash-to-nvvm | FileCheck %s

// --convert-flash-to-nvvm, arith ops on tiles (ElementwiseToLLVM.cpp): a
// splat constant tile is its scalar in every slot of the thread's struct; an
// elementwise arith op on tiles is the same scalar op on each slot (left in
// arith for arith-to-llvm), but f32 to 16-bit floats, converted two
// neighbouring slots at a time (cvt.rn.bf16x2.f32 / f16x2: the first
// operand is the upper half). Scalar arith ops stay as they are;
// loop-carried tiles become loop-carried structs.

// CHECK-LABEL: llvm.func @elementwise(
// CHECK: %[[T:.*]] = llvm.insertvalue %{{.*}}[3] : !llvm.struct<(f32, f32, f32, f32)>
// CHECK-NEXT: %[[K:.*]] = llvm.mlir.constant(1.250000e-01 : f32) : f32
// CHECK-NEXT: %[[KU:.*]] = llvm.mlir.undef : !llvm.struct<(f32, f32, f32, f32)>
// CHECK-NEXT: %[[K0:.*]] = llvm.insertvalue %[[K]], %[[KU]][0]
// CHECK-NEXT: %[[K1:.*]] = llvm.insertvalue %[[K]], %[[K0]][1]
// CHECK-NEXT: %[[K2:.*]] = llvm.insertvalue %[[K]], %[[K1]][2]
// CHECK-NEXT: %[[KS:.*]] = llvm.insertvalue %[[K]], %[[K2]][3]
// CHECK-NEXT: %[[T0:.*]] = llvm.extractvalue %[[T]][0]
// CHECK-NEXT: %[[T1:.*]] = llvm.extractvalue %[[T]][1]
// CHECK-NEXT: %[[T2:.*]] = llvm.extractvalue %[[T]][2]
// CHECK-NEXT: %[[T3:.*]] = llvm.extractvalue %[[T]][3]
// CHECK-NEXT: %[[KE0:.*]] = llvm.extractvalue %[[KS]][0]
// CHECK-NEXT: %[[KE1:.*]] = llvm.extractvalue %[[KS]][1]
// CHECK-NEXT: %[[KE2:.*]] = llvm.extractvalue %[[KS]][2]
// CHECK-NEXT: %[[KE3:.*]] = llvm.extractvalue %[[KS]][3]
// CHECK-NEXT: %[[M0:.*]] = arith.mulf %[[T0]], %[[KE0]] : f32
// CHECK-NEXT: %[[M1:.*]] = arith.mulf %[[T1]], %[[KE1]] : f32
// CHECK-NEXT: %[[M2:.*]] = arith.mulf %[[T2]], %[[KE2]] : f32
// CHECK-NEXT: %[[M3:.*]] = arith.mulf %[[T3]], %[[KE3]] : f32
// CHECK-NEXT: %[[MU:.*]] = llvm.mlir.undef : !llvm.struct<(f32, f32, f32, f32)>
// CHECK-NEXT: %[[MS0:.*]] = llvm.insertvalue %[[M0]], %[[MU]][0]
// CHECK-NEXT: %[[MS1:.*]] = llvm.insertvalue %[[M1]], %[[MS0]][1]
// CHECK-NEXT: %[[MS2:.*]] = llvm.insertvalue %[[M2]], %[[MS1]][2]
// CHECK-NEXT: %[[MS:.*]] = llvm.insertvalue %[[M3]], %[[MS2]][3]
// CHECK-NEXT: %[[E0:.*]] = llvm.extractvalue %[[MS]][0]
// CHECK-NEXT: %[[E1:.*]] = llvm.extractvalue %[[MS]][1]
// CHECK-NEXT: %[[E2:.*]] = llvm.extractvalue %[[MS]][2]
// CHECK-NEXT: %[[E3:.*]] = llvm.extractvalue %[[MS]][3]
// CHECK-NEXT: %[[P01:.*]] = nvvm.convert.f32x2.to.bf16x2 %[[E1]], %[[E0]] {rnd = #nvvm.fp_rnd_mode<rn>} : vector<2xbf16>
// CHECK-NEXT: %[[I0:.*]] = llvm.mlir.constant(0 : i32) : i32
// CHECK-NEXT: %[[H0:.*]] = llvm.extractelement %[[P01]][%[[I0]] : i32] : vector<2xbf16>
// CHECK-NEXT: %[[I1:.*]] = llvm.mlir.constant(1 : i32) : i32
// CHECK-NEXT: %[[H1:.*]] = llvm.extractelement %[[P01]][%[[I1]] : i32] : vector<2xbf16>
// CHECK-NEXT: %[[P23:.*]] = nvvm.convert.f32x2.to.bf16x2 %[[E3]], %[[E2]] {rnd = #nvvm.fp_rnd_mode<rn>} : vector<2xbf16>
// CHECK-NEXT: llvm.mlir.constant(0 : i32) : i32
// CHECK-NEXT: %[[H2:.*]] = llvm.extractelement %[[P23]]
// CHECK-NEXT: llvm.mlir.constant(1 : i32) : i32
// CHECK-NEXT: %[[H3:.*]] = llvm.extractelement %[[P23]]
// CHECK-NEXT: %[[HU:.*]] = llvm.mlir.undef : !llvm.struct<(bf16, bf16, bf16, bf16)>
// CHECK-NEXT: %[[HS0:.*]] = llvm.insertvalue %[[H0]], %[[HU]][0]
// CHECK-NEXT: %[[HS1:.*]] = llvm.insertvalue %[[H1]], %[[HS0]][1]
// CHECK-NEXT: %[[HS2:.*]] = llvm.insertvalue %[[H2]], %[[HS1]][2]
// CHECK-NEXT: %[[HS:.*]] = llvm.insertvalue %[[H3]], %[[HS2]][3]
// CHECK: llvm.extractvalue %[[HS]][0] : !llvm.struct<(bf16, bf16, bf16, bf16)>
// CHECK-NOT: tensor<
// CHECK: llvm.return
#mma = #flash.mma<warps = 4>
func.func @elementwise(%a: memref<?x8xf32>, %o: memref<?x8xbf16>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %t = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x8xf32> -> tensor<64x8xf32, #mma>
  %k = arith.constant dense<0.125> : tensor<64x8xf32, #mma>
  %m = arith.mulf %t, %k : tensor<64x8xf32, #mma>
  %h = arith.truncf %m : tensor<64x8xf32, #mma> to tensor<64x8xbf16, #mma>
  flash.store %h, %o[%c0, %c0] bound %n along 0 : tensor<64x8xbf16, #mma> -> memref<?x8xbf16>
  return
}

// -----

// To f16 likewise; with a rounding mode or fast-math flags, slot by slot.
// CHECK-LABEL: llvm.func @to_f16(
// CHECK-COUNT-2: nvvm.convert.f32x2.to.f16x2 %{{.*}}, %{{.*}} {rnd = #nvvm.fp_rnd_mode<rn>} : vector<2xf16>
// CHECK-NOT: nvvm.convert
// CHECK-COUNT-4: arith.truncf %{{.*}} to_nearest_away : f32 to f16
// CHECK-NOT: nvvm.convert
// CHECK: llvm.return
#mma = #flash.mma<warps = 4>
func.func @to_f16(%a: memref<?x8xf32>, %o: memref<?x8xf16>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %t = flash.load %a[%c0, %c0] bound %n along 0 : memref<?x8xf32> -> tensor<64x8xf32, #mma>
  %h = arith.truncf %t : tensor<64x8xf32, #mma> to tensor<64x8xf16, #mma>
  flash.store %h, %o[%c0, %c0] bound %n along 0 : tensor<64x8xf16, #mma> -> memref<?x8xf16>
  %r = arith.truncf %t to_nearest_away : tensor<64x8xf32, #mma> to tensor<64x8xf16, #mma>
  flash.store %r, %o[%c0, %c0] bound %n along 0 : tensor<64x8xf16, #mma> -> memref<?x8xf16>
  return
}

// -----

// A rows tile carried through scf.for: the loop carries the struct (and
// its index induction variable becomes i64).

// CHECK-LABEL: llvm.func @loop_carried(
// CHECK: %[[INIT:.*]] = llvm.insertvalue %{{.*}}[1] : !llvm.struct<(f32, f32)>
// CHECK-NEXT: %[[R:.*]] = scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %[[INIT]]) -> (!llvm.struct<(f32, f32)>)  : i64 {
// CHECK-NEXT: %[[A0:.*]] = llvm.extractvalue %[[ACC]][0]
// CHECK-NEXT: %[[A1:.*]] = llvm.extractvalue %[[ACC]][1]
// CHECK-NEXT: %[[B0:.*]] = llvm.extractvalue %[[ACC]][0]
// CHECK-NEXT: %[[B1:.*]] = llvm.extractvalue %[[ACC]][1]
// CHECK-NEXT: %[[S0:.*]] = arith.addf %[[A0]], %[[B0]] : f32
// CHECK-NEXT: %[[S1:.*]] = arith.addf %[[A1]], %[[B1]] : f32
// CHECK-NEXT: %[[U:.*]] = llvm.mlir.undef : !llvm.struct<(f32, f32)>
// CHECK-NEXT: %[[V0:.*]] = llvm.insertvalue %[[S0]], %[[U]][0]
// CHECK-NEXT: %[[V:.*]] = llvm.insertvalue %[[S1]], %[[V0]][1]
// CHECK-NEXT: scf.yield %[[V]] : !llvm.struct<(f32, f32)>
// CHECK-NEXT: }
// CHECK: llvm.extractvalue %[[R]][0] : !llvm.struct<(f32, f32)>
#rows = #flash.rows<#flash.mma<warps = 4>>
func.func @loop_carried(%l: memref<?xf32>, %n: index) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %init = flash.load %l[%c0] bound %n along 0 : memref<?xf32> -> tensor<64xf32, #rows>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %init) -> (tensor<64xf32, #rows>) {
    %s = arith.addf %acc, %acc : tensor<64xf32, #rows>
    scf.yield %s : tensor<64xf32, #rows>
  }
  flash.store %r, %l[%c0] bound %n along 0 : tensor<64xf32, #rows> -> memref<?xf32>
  return
}
