// RUN: flash-opt %s --flash-to-nvvm="wgmma=true" | FileCheck %s

// Two barriers of the same threads with only thread-local ops between
// them (register arithmetic, proxy fences, waits for a thread's own
// copies) are one: the first is dropped. Here P = Q·Kᵀ goes through shared
// memory to be the `b` operand of Q·P: the conversion's closing barrier
// (the buffer is complete) meets the product's fence and barrier, and only
// the product's stays. The barriers with copies or shared stores after
// them stay.

// CHECK-LABEL: llvm.func @product_of_a_product(
// CHECK: nvvm.barrier0
// CHECK: nvvm.cp.async.shared.global
// CHECK: nvvm.cp.async.wait.group 0
// CHECK-NEXT: nvvm.fence.proxy
// CHECK-NEXT: nvvm.barrier0
// CHECK: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK: nvvm.barrier0
// CHECK-COUNT-4: nvvm.stmatrix
// CHECK-NOT: nvvm.barrier0
// CHECK: nvvm.fence.proxy
// CHECK-NEXT: nvvm.barrier0
// CHECK: nvvm.wgmma.fence.aligned
// CHECK-NOT: nvvm.barrier0
// CHECK: llvm.return
func.func @product_of_a_product(%q: memref<?x64xbf16>, %k: memref<?x64xbf16>,
                                %o: memref<?x64xf32>, %n: index)
    attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %qt = flash.load %q[%c0, %c0] bound %n along 0 : memref<?x64xbf16> -> tensor<64x64xbf16>
  %kt = flash.load %k[%c0, %c0] bound %n along 0 : memref<?x64xbf16> -> tensor<64x64xbf16>
  %z = arith.constant dense<0.0> : tensor<64x64xf32>
  %s = flash.dot %qt, %kt, %z {transpose_b} : tensor<64x64xbf16>, tensor<64x64xbf16> -> tensor<64x64xf32>
  %p = arith.truncf %s : tensor<64x64xf32> to tensor<64x64xbf16>
  %r = flash.dot %qt, %p, %z : tensor<64x64xbf16>, tensor<64x64xbf16> -> tensor<64x64xf32>
  flash.store %r, %o[%c0, %c0] bound %n along 0 : tensor<64x64xf32> -> memref<?x64xf32>
  return
}
