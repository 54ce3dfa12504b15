// RUN: flash-opt %s -split-input-file -verify-diagnostics

// Errors of the GPU additions to the flash dialect: the layout attributes'
// syntax (#flash.operand's custom parser, the parameters of #flash.mma,
// #flash.rows and #flash.shared), flash.convert_layout's shape and element
// type rules, and the attributes the GPU passes leave, checked by
// FlashDialect::verifyOperationAttribute (flash.shared_offset,
// flash.shared_memory: non-negative integers; flash.grid: a dictionary).

// expected-error @+1 {{expected operand 'a' or 'b'}}
func.func @operand_c(%x: tensor<64x64xbf16, #flash.operand<c, #flash.mma<warps = 4>>>) {
  return
}

// -----

// The operand name is a lower-case keyword.
// expected-error @+1 {{expected operand 'a' or 'b'}}
func.func @operand_upper_case(%x: tensor<64x64xbf16, #flash.operand<A, #flash.mma<warps = 4>>>) {
  return
}

// -----

// expected-error @+1 {{expected valid keyword}}
func.func @operand_empty(%x: tensor<64x64xbf16, #flash.operand<>>) {
  return
}

// -----

// expected-error @+1 {{expected ','}}
func.func @operand_missing_comma(%x: tensor<64x64xbf16, #flash.operand<a #flash.mma<warps = 4>>>) {
  return
}

// -----

// expected-error @+1 {{expected ','}}
func.func @transposed_missing_comma(%x: tensor<64x64xbf16, #flash.operand<b, transposed #flash.mma<warps = 4>>>) {
  return
}

// -----

// Only `transposed` may come between the operand and the parent layout.
// expected-error @+1 {{expected attribute value}}
func.func @operand_unknown_flag(%x: tensor<64x64xbf16, #flash.operand<a, flipped, #flash.mma<warps = 4>>>) {
  return
}

// -----

// The parent of an operand layout is an mma layout.
// expected-error @+1 {{invalid kind of attribute specified}}
func.func @operand_parent_not_mma(%x: tensor<64x64xbf16, #flash.operand<a, #flash.shared<padding = 8>>>) {
  return
}

// -----

// expected-error @+2 {{invalid kind of attribute specified}}
// expected-error @+1 {{failed to parse Flash_RowsEncodingAttr parameter 'parent' which is to be a `MmaEncodingAttr`}}
func.func @rows_parent_not_mma(%x: tensor<64xf32, #flash.rows<#flash.shared<padding = 8>>>) {
  return
}

// -----

// expected-error @+2 {{invalid kind of attribute specified}}
// expected-error @+1 {{failed to parse Flash_ColumnsEncodingAttr parameter 'parent' which is to be a `MmaEncodingAttr`}}
func.func @columns_parent_not_mma(%x: tensor<64xf32, #flash.columns<#flash.rows<#flash.mma<warps = 4>>>>) {
  return
}

// -----

// expected-error @+1 {{expected 'warps'}}
func.func @mma_misspelled(%x: tensor<64x64xf32, #flash.mma<warp = 4>>) {
  return
}

// -----

// expected-error @+1 {{expected 'padding' or 'swizzle'}}
func.func @shared_without_keyword(%x: tensor<64x64xbf16, #flash.shared<8>>) {
  return
}

// -----

func.func @convert_shape(%m: tensor<64x64xbf16, #flash.mma<warps = 4>>) {
  // expected-error @+1 {{'flash.convert_layout' op requires the same shape for all operands and results}}
  %0 = flash.convert_layout %m : tensor<64x64xbf16, #flash.mma<warps = 4>> -> tensor<64x32xbf16, #flash.mma<warps = 4>>
  return
}

// -----

func.func @convert_rank(%r: tensor<64xf32, #flash.rows<#flash.mma<warps = 4>>>) {
  // expected-error @+1 {{'flash.convert_layout' op requires the same shape for all operands and results}}
  %0 = flash.convert_layout %r : tensor<64xf32, #flash.rows<#flash.mma<warps = 4>>> -> tensor<64x1xf32, #flash.mma<warps = 4>>
  return
}

// -----

func.func @convert_element_type(%m: tensor<64x64xbf16, #flash.mma<warps = 4>>) {
  // expected-error @+1 {{'flash.convert_layout' op requires the same element type for all operands and results}}
  %0 = flash.convert_layout %m : tensor<64x64xbf16, #flash.mma<warps = 4>> -> tensor<64x64xf16, #flash.operand<a, #flash.mma<warps = 4>>>
  return
}

// -----

// The generic form goes through the same verifier.
func.func @convert_element_type_generic(%m: tensor<64x64xf32, #flash.mma<warps = 4>>) {
  // expected-error @+1 {{'flash.convert_layout' op requires the same element type for all operands and results}}
  %0 = "flash.convert_layout"(%m) : (tensor<64x64xf32, #flash.mma<warps = 4>>) -> tensor<64x64xbf16, #flash.mma<warps = 4>>
  return
}

// -----

func.func @convert_dynamic(%m: tensor<?x64xbf16>) {
  // expected-error @+1 {{'flash.convert_layout' op operand #0 must be tile of floating-point or signless integer values, but got 'tensor<?x64xbf16>'}}
  %0 = flash.convert_layout %m : tensor<?x64xbf16> -> tensor<?x64xbf16, #flash.mma<warps = 4>>
  return
}

// -----

func.func @shared_offset_negative() {
  // expected-error @+1 {{'flash.shared_offset' must be a non-negative integer}}
  %0 = arith.constant {flash.shared_offset = -128 : i64} 0 : index
  return
}

// -----

func.func @shared_offset_string() {
  // expected-error @+1 {{'flash.shared_offset' must be a non-negative integer}}
  %0 = arith.constant {flash.shared_offset = "0"} 0 : index
  return
}

// -----

func.func @shared_offset_float() {
  // expected-error @+1 {{'flash.shared_offset' must be a non-negative integer}}
  %0 = arith.constant {flash.shared_offset = 0.0 : f32} 0 : index
  return
}

// -----

// expected-error @+1 {{'flash.shared_memory' must be a non-negative integer}}
func.func @shared_memory_negative() attributes {flash.kernel, flash.shared_memory = -1 : i64} {
  return
}

// -----

// expected-error @+1 {{'flash.shared_memory' must be a non-negative integer}}
func.func @shared_memory_unit() attributes {flash.kernel, flash.shared_memory} {
  return
}

// -----

// expected-error @+1 {{'flash.grid' must be a dictionary}}
func.func @grid_integer() attributes {flash.kernel, flash.grid = 1 : i64} {
  return
}

// -----

// expected-error @+1 {{'flash.grid' must be a dictionary}}
func.func @grid_array() attributes {flash.kernel, flash.grid = [64, "q"]} {
  return
}

// -----

// Misspellings are unknown flash attributes.
func.func @shared_offset_misspelled() {
  // expected-error @+1 {{unknown flash dialect attribute 'flash.shared_offsets'}}
  %0 = arith.constant {flash.shared_offsets = 0 : i64} 0 : index
  return
}

// -----

// expected-error @+1 {{#flash.shared swizzle must be 0 or 128 (bytes), got 64}}
func.func @shared_unsupported_swizzle(%x: tensor<64x64xbf16, #flash.shared<swizzle = 64>>) {
  return
}
