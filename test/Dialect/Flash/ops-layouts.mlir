// RUN: flash-opt %s -split-input-file | flash-opt -split-input-file | FileCheck %s
// RUN: flash-opt %s -split-input-file --mlir-print-op-generic | flash-opt -split-input-file | FileCheck %s
// RUN: flash-opt %s -split-input-file --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// Round trip of the GPU layouts (tensor encodings #flash.mma, #flash.rows,
// #flash.operand, #flash.shared), of flash.convert_layout, and of the
// attributes the GPU passes leave (flash.shared_offset, flash.shared_memory,
// flash.grid): printed, re-parsed (directly and through the generic form)
// and printed again unchanged.

// CHECK-LABEL: func.func @encodings(
// CHECK-SAME: %{{[^:]+}}: tensor<64x64xf32, #flash.mma<warps = 4>>,
// CHECK-SAME: %{{[^:]+}}: tensor<64xf32, #flash.rows<#flash.mma<warps = 8>>>,
// CHECK-SAME: %{{[^:]+}}: tensor<64x32xbf16, #flash.operand<a, #flash.mma<warps = 4>>>,
// CHECK-SAME: %{{[^:]+}}: tensor<32x64xbf16, #flash.operand<a, transposed, #flash.mma<warps = 2>>>,
// CHECK-SAME: %{{[^:]+}}: tensor<32x64xf16, #flash.operand<b, #flash.mma<warps = 1>>>,
// CHECK-SAME: %{{[^:]+}}: tensor<64x32xf16, #flash.operand<b, transposed, #flash.mma<warps = 16>>>,
// CHECK-SAME: %{{[^:]+}}: tensor<64x32xbf16, #flash.shared<padding = 8>>,
// CHECK-SAME: %{{[^:]+}}: tensor<16x16xf16, #flash.shared<padding = 0>>)
// CHECK-NEXT: return
// GENERIC-LABEL: "func.func"() <{function_type = (tensor<64x64xf32, #flash.mma<warps = 4>>, tensor<64xf32, #flash.rows<#flash.mma<warps = 8>>>, tensor<64x32xbf16, #flash.operand<a, #flash.mma<warps = 4>>>, tensor<32x64xbf16, #flash.operand<a, transposed, #flash.mma<warps = 2>>>, tensor<32x64xf16, #flash.operand<b, #flash.mma<warps = 1>>>, tensor<64x32xf16, #flash.operand<b, transposed, #flash.mma<warps = 16>>>, tensor<64x32xbf16, #flash.shared<padding = 8>>, tensor<16x16xf16, #flash.shared<padding = 0>>) -> (), sym_name = "encodings"}>
func.func @encodings(%m: tensor<64x64xf32, #flash.mma<warps = 4>>,
                     %r: tensor<64xf32, #flash.rows<#flash.mma<warps = 8>>>,
                     %a: tensor<64x32xbf16, #flash.operand<a, #flash.mma<warps = 4>>>,
                     %at: tensor<32x64xbf16, #flash.operand<a, transposed, #flash.mma<warps = 2>>>,
                     %b: tensor<32x64xf16, #flash.operand<b, #flash.mma<warps = 1>>>,
                     %bt: tensor<64x32xf16, #flash.operand<b, transposed, #flash.mma<warps = 16>>>,
                     %s: tensor<64x32xbf16, #flash.shared<padding = 8>>,
                     %s0: tensor<16x16xf16, #flash.shared<padding = 0>>) {
  return
}

// -----

// Encodings as attributes on their own (aliases are expanded on print), and
// the same layout spelled through an alias.

// CHECK-LABEL: func.func @attributes()
// CHECK-SAME: attributes {a = #flash.operand<a, #flash.mma<warps = 4>>, c = #flash.columns<#flash.mma<warps = 4>>, m = #flash.mma<warps = 4>, r = #flash.rows<#flash.mma<warps = 4>>, s = #flash.shared<padding = 16>, w = #flash.shared<swizzle = 128>}
// GENERIC-LABEL: sym_name = "attributes"
// GENERIC: }) {a = #flash.operand<a, #flash.mma<warps = 4>>, c = #flash.columns<#flash.mma<warps = 4>>, m = #flash.mma<warps = 4>, r = #flash.rows<#flash.mma<warps = 4>>, s = #flash.shared<padding = 16>, w = #flash.shared<swizzle = 128>}
#mma4 = #flash.mma<warps = 4>
func.func @attributes() attributes {m = #mma4, r = #flash.rows<#mma4>,
                                    c = #flash.columns<#mma4>,
                                    a = #flash.operand<a, #mma4>,
                                    s = #flash.shared<padding = 16>,
                                    w = #flash.shared<swizzle = 128>} {
  return
}

// -----

// flash.convert_layout between every pair of kinds the GPU passes use.

// CHECK-LABEL: func.func @convert_layout(
// CHECK-SAME: %[[M:[^:]+]]: tensor<64x64xbf16, #flash.mma<warps = 4>>, %[[R:[^:]+]]: tensor<64xf32, #flash.rows<#flash.mma<warps = 4>>>)
// CHECK-NEXT: %[[A:.*]] = flash.convert_layout %[[M]] : tensor<64x64xbf16, #flash.mma<warps = 4>> -> tensor<64x64xbf16, #flash.operand<a, #flash.mma<warps = 4>>>
// CHECK-NEXT: %[[S:.*]] = flash.convert_layout %[[M]] {flash.shared_offset = 128 : i64} : tensor<64x64xbf16, #flash.mma<warps = 4>> -> tensor<64x64xbf16, #flash.shared<padding = 8>>
// CHECK-NEXT: %[[B:.*]] = flash.convert_layout %[[S]] : tensor<64x64xbf16, #flash.shared<padding = 8>> -> tensor<64x64xbf16, #flash.operand<b, transposed, #flash.mma<warps = 4>>>
// CHECK-NEXT: %[[BACK:.*]] = flash.convert_layout %[[A]] : tensor<64x64xbf16, #flash.operand<a, #flash.mma<warps = 4>>> -> tensor<64x64xbf16, #flash.mma<warps = 4>>
// CHECK-NEXT: %[[R8:.*]] = flash.convert_layout %[[R]] : tensor<64xf32, #flash.rows<#flash.mma<warps = 4>>> -> tensor<64xf32, #flash.rows<#flash.mma<warps = 8>>>
// CHECK-NEXT: %[[PLAIN:.*]] = flash.convert_layout %[[BACK]] : tensor<64x64xbf16, #flash.mma<warps = 4>> -> tensor<64x64xbf16>
// CHECK-NEXT: %[[I:.*]] = flash.convert_layout %[[PLAIN]] : tensor<64x64xbf16> -> tensor<64x64xbf16, #flash.mma<warps = 2>>
// CHECK-NEXT: return %[[B]], %[[R8]], %[[I]] :
// GENERIC-LABEL: sym_name = "convert_layout"
// GENERIC: %[[A:.*]] = "flash.convert_layout"(%{{.*}}) : (tensor<64x64xbf16, #flash.mma<warps = 4>>) -> tensor<64x64xbf16, #flash.operand<a, #flash.mma<warps = 4>>>
// GENERIC-NEXT: %[[S:.*]] = "flash.convert_layout"(%{{.*}}) {flash.shared_offset = 128 : i64} : (tensor<64x64xbf16, #flash.mma<warps = 4>>) -> tensor<64x64xbf16, #flash.shared<padding = 8>>
// GENERIC-NEXT: "flash.convert_layout"(%[[S]]) : (tensor<64x64xbf16, #flash.shared<padding = 8>>) -> tensor<64x64xbf16, #flash.operand<b, transposed, #flash.mma<warps = 4>>>
// GENERIC-NEXT: "flash.convert_layout"(%[[A]]) : (tensor<64x64xbf16, #flash.operand<a, #flash.mma<warps = 4>>>) -> tensor<64x64xbf16, #flash.mma<warps = 4>>
#mma = #flash.mma<warps = 4>
func.func @convert_layout(%m: tensor<64x64xbf16, #mma>, %r: tensor<64xf32, #flash.rows<#mma>>)
    -> (tensor<64x64xbf16, #flash.operand<b, transposed, #mma>>,
        tensor<64xf32, #flash.rows<#flash.mma<warps = 8>>>,
        tensor<64x64xbf16, #flash.mma<warps = 2>>) {
  %a = flash.convert_layout %m : tensor<64x64xbf16, #mma> -> tensor<64x64xbf16, #flash.operand<a, #mma>>
  %s = flash.convert_layout %m {flash.shared_offset = 128 : i64} : tensor<64x64xbf16, #mma> -> tensor<64x64xbf16, #flash.shared<padding = 8>>
  %b = "flash.convert_layout"(%s) : (tensor<64x64xbf16, #flash.shared<padding = 8>>) -> tensor<64x64xbf16, #flash.operand<b, transposed, #mma>>
  %back = flash.convert_layout %a : tensor<64x64xbf16, #flash.operand<a, #mma>> -> tensor<64x64xbf16, #mma>
  %r8 = flash.convert_layout %r : tensor<64xf32, #flash.rows<#mma>> -> tensor<64xf32, #flash.rows<#flash.mma<warps = 8>>>
  %plain = flash.convert_layout %back : tensor<64x64xbf16, #mma> -> tensor<64x64xbf16>
  %i = flash.convert_layout %plain : tensor<64x64xbf16> -> tensor<64x64xbf16, #flash.mma<warps = 2>>
  return %b, %r8, %i : tensor<64x64xbf16, #flash.operand<b, transposed, #mma>>, tensor<64xf32, #flash.rows<#flash.mma<warps = 8>>>, tensor<64x64xbf16, #flash.mma<warps = 2>>
}

// -----

// Tile ops take tiles with layouts; a kernel carries its shared-memory
// total and grid, ops their buffer offsets.

// CHECK-LABEL: func.func @kernel(
// CHECK-SAME: attributes {flash.grid = {block = 64 : i64, heads = "q", order = 0 : i64, rows = "q"}, flash.kernel, flash.shared_memory = 9216 : i64} {
// CHECK: %[[Q:.*]] = flash.load %{{.*}} : memref<?x64xbf16> -> tensor<64x64xbf16, #flash.operand<a, #flash.mma<warps = 4>>>
// CHECK-NEXT: %[[K:.*]] = flash.load %{{.*}} {flash.shared_offset = 0 : i64} : memref<?x64xbf16> -> tensor<64x64xbf16, #flash.shared<padding = 8>>
// CHECK-NEXT: %[[Z:.*]] = arith.constant dense<0.000000e+00> : tensor<64x64xf32, #flash.mma<warps = 4>>
// CHECK-NEXT: %[[S:.*]] = flash.dot %[[Q]], %[[K]], %[[Z]] {transpose_b} : tensor<64x64xbf16, #flash.operand<a, #flash.mma<warps = 4>>>, tensor<64x64xbf16, #flash.shared<padding = 8>> -> tensor<64x64xf32, #flash.mma<warps = 4>>
// CHECK-NEXT: %[[D:.*]] = flash.row_dot %[[S]], %[[S]] : tensor<64x64xf32, #flash.mma<warps = 4>> -> tensor<64xf32, #flash.rows<#flash.mma<warps = 4>>>
// CHECK-NEXT: flash.store %[[D]], %{{.*}} : tensor<64xf32, #flash.rows<#flash.mma<warps = 4>>> -> memref<?xf32>
// GENERIC-LABEL: sym_name = "kernel"
// GENERIC: "flash.load"(%{{.*}}) <{along = 0 : i64}> {flash.shared_offset = 0 : i64} : (memref<?x64xbf16>, index, index, index) -> tensor<64x64xbf16, #flash.shared<padding = 8>>
// GENERIC: }) {flash.grid = {block = 64 : i64, heads = "q", order = 0 : i64, rows = "q"}, flash.kernel, flash.shared_memory = 9216 : i64} : () -> ()
#mma = #flash.mma<warps = 4>
func.func @kernel(%q: memref<?x64xbf16>, %k: memref<?x64xbf16>, %l: memref<?xf32>, %n: index)
    attributes {flash.kernel, flash.shared_memory = 9216 : i64,
                flash.grid = {block = 64 : i64, heads = "q", order = 0 : i64, rows = "q"}} {
  %c0 = arith.constant 0 : index
  %qt = flash.load %q[%c0, %c0] bound %n along 0 : memref<?x64xbf16> -> tensor<64x64xbf16, #flash.operand<a, #mma>>
  %kt = flash.load %k[%c0, %c0] bound %n along 0 {flash.shared_offset = 0 : i64} : memref<?x64xbf16> -> tensor<64x64xbf16, #flash.shared<padding = 8>>
  %z = arith.constant dense<0.0> : tensor<64x64xf32, #mma>
  %s = flash.dot %qt, %kt, %z {transpose_b} : tensor<64x64xbf16, #flash.operand<a, #mma>>, tensor<64x64xbf16, #flash.shared<padding = 8>> -> tensor<64x64xf32, #mma>
  %d = flash.row_dot %s, %s : tensor<64x64xf32, #mma> -> tensor<64xf32, #flash.rows<#mma>>
  flash.store %d, %l[%c0] bound %n along 0 : tensor<64xf32, #flash.rows<#mma>> -> memref<?xf32>
  return
}
