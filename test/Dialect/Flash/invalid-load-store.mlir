// RUN: flash-opt %s -split-input-file -verify-diagnostics

// Verifier and constraint errors of flash.load and flash.store: every rule
// of verifyBlockAccess, for both ops, and the accumulate rule of the store.

func.func @load_rank0_memref(%m: memref<f32>, %i: index) {
  // expected-error @+1 {{the memref must have rank at least 1}}
  %t = flash.load %m[] bound %i along 0 : memref<f32> -> tensor<4xf32>
  return
}

// -----

func.func @store_rank0_memref(%m: memref<f32>, %t: tensor<4xf32>, %i: index) {
  // expected-error @+1 {{the memref must have rank at least 1}}
  flash.store %t, %m[] bound %i along 0 : tensor<4xf32> -> memref<f32>
  return
}

// -----

func.func @load_too_few_indices(%m: memref<?x?x?x128xbf16>, %i: index) {
  // expected-error @+1 {{expects 4 indices (one per memref axis), got 3}}
  %t = flash.load %m[%i, %i, %i] bound %i along 1 : memref<?x?x?x128xbf16> -> tensor<64x128xbf16>
  return
}

// -----

func.func @store_too_many_indices(%m: memref<?x64xf16>, %t: tensor<16x64xf16>, %i: index) {
  // expected-error @+1 {{expects 2 indices (one per memref axis), got 3}}
  flash.store %t, %m[%i, %i, %i] bound %i along 0 : tensor<16x64xf16> -> memref<?x64xf16>
  return
}

// -----

func.func @load_along_past_rank(%m: memref<?x?x?x128xbf16>, %i: index) {
  // expected-error @+1 {{'along' must name a memref axis in [0, 4), got 4}}
  %t = flash.load %m[%i, %i, %i, %i] bound %i along 4 : memref<?x?x?x128xbf16> -> tensor<64x128xbf16>
  return
}

// -----

func.func @store_along_negative(%m: memref<?x?xf32>, %t: tensor<16xf32>, %i: index) {
  // expected-error @+1 {{'along' must name a memref axis in [0, 2), got -1}}
  flash.store %t, %m[%i, %i] bound %i along -1 : tensor<16xf32> -> memref<?x?xf32>
  return
}

// -----

func.func @load_element_type(%m: memref<?x?x?x128xbf16>, %i: index) {
  // expected-error @+1 {{tile element type 'f16' differs from the memref's 'bf16'}}
  %t = flash.load %m[%i, %i, %i, %i] bound %i along 1 : memref<?x?x?x128xbf16> -> tensor<64x128xf16>
  return
}

// -----

func.func @store_element_type(%m: memref<?x?x?xf32>, %t: tensor<64xf16>, %i: index) {
  // expected-error @+1 {{tile element type 'f16' differs from the memref's 'f32'}}
  flash.store %t, %m[%i, %i, %i] bound %i along 2 : tensor<64xf16> -> memref<?x?x?xf32>
  return
}

// -----

func.func @load_rank3_tile(%m: memref<?x?x?x128xbf16>, %i: index) {
  // expected-error @+1 {{the tile must have rank 1 or 2, got 'tensor<2x64x128xbf16>'}}
  %t = flash.load %m[%i, %i, %i, %i] bound %i along 1 : memref<?x?x?x128xbf16> -> tensor<2x64x128xbf16>
  return
}

// -----

func.func @store_rank0_tile(%m: memref<?xf32>, %t: tensor<f32>, %i: index) {
  // expected-error @+1 {{the tile must have rank 1 or 2, got 'tensor<f32>'}}
  flash.store %t, %m[%i] bound %i along 0 : tensor<f32> -> memref<?xf32>
  return
}

// -----

func.func @load_rank2_along_last(%m: memref<?x?x?x128xbf16>, %i: index) {
  // expected-error @+1 {{a rank-2 tile takes its columns from the last axis, so 'along' must name another axis}}
  %t = flash.load %m[%i, %i, %i, %i] bound %i along 3 : memref<?x?x?x128xbf16> -> tensor<64x128xbf16>
  return
}

// -----

// A rank-1 memref has no other axis for a rank-2 tile's rows.
func.func @store_rank2_into_rank1(%m: memref<?xf32>, %t: tensor<4x4xf32>, %i: index) {
  // expected-error @+1 {{a rank-2 tile takes its columns from the last axis, so 'along' must name another axis}}
  flash.store %t, %m[%i] bound %i along 0 : tensor<4x4xf32> -> memref<?xf32>
  return
}

// -----

func.func @load_not_contiguous(%m: memref<?x?x?x128xbf16, strided<[?, ?, ?, 2]>>, %i: index) {
  // expected-error @+1 {{'memref' must be contiguous along its last axis (stride 1), got 'memref<?x?x?x128xbf16, strided<[?, ?, ?, 2]>>'}}
  %t = flash.load %m[%i, %i, %i, %i] bound %i along 1
      : memref<?x?x?x128xbf16, strided<[?, ?, ?, 2]>> -> tensor<64x128xbf16>
  return
}

// -----

func.func @store_dynamic_last_stride(%m: memref<?x64xf16, strided<[?, ?]>>, %t: tensor<16x64xf16>,
                                     %i: index) {
  // expected-error @+1 {{'memref' must be contiguous along its last axis (stride 1)}}
  flash.store %t, %m[%i, %i] bound %i along 0 : tensor<16x64xf16> -> memref<?x64xf16, strided<[?, ?]>>
  return
}

// -----

func.func @load_not_strided(%m: memref<64x64xf16, affine_map<(d0, d1) -> (d1, d0)>>, %i: index) {
  // expected-error @+1 {{'memref' must have a strided layout}}
  %t = flash.load %m[%i, %i] bound %i along 0
      : memref<64x64xf16, affine_map<(d0, d1) -> (d1, d0)>> -> tensor<16x64xf16>
  return
}

// -----

func.func @store_not_strided(%m: memref<64x64xf16, affine_map<(d0, d1) -> (d0 floordiv 2, d1)>>,
                             %t: tensor<16x64xf16>, %i: index) {
  // expected-error @+1 {{'memref' must have a strided layout}}
  flash.store %t, %m[%i, %i] bound %i along 0
      : tensor<16x64xf16> -> memref<64x64xf16, affine_map<(d0, d1) -> (d0 floordiv 2, d1)>>
  return
}

// -----

func.func @load_too_many_columns(%m: memref<?x?x?x64xbf16>, %i: index) {
  // expected-error @+1 {{the tile has 128 columns but the memref's last axis has 64}}
  %t = flash.load %m[%i, %i, %i, %i] bound %i along 1 : memref<?x?x?x64xbf16> -> tensor<64x128xbf16>
  return
}

// -----

func.func @store_too_many_columns(%m: memref<100x8xf32>, %t: tensor<4x16xf32>, %i: index) {
  // expected-error @+1 {{the tile has 16 columns but the memref's last axis has 8}}
  flash.store %t, %m[%i, %i] bound %i along 0 : tensor<4x16xf32> -> memref<100x8xf32>
  return
}

// -----

func.func @accumulate_bf16(%m: memref<?x?x?x128xbf16>, %t: tensor<64x128xbf16>, %i: index) {
  // expected-error @+1 {{'accumulate' needs an f32 destination, got 'bf16'}}
  flash.store %t, %m[%i, %i, %i, %i] bound %i along 1 accumulate
      : tensor<64x128xbf16> -> memref<?x?x?x128xbf16>
  return
}

// -----

func.func @accumulate_i32(%m: memref<?xi32>, %t: tensor<16xi32>, %i: index) {
  // expected-error @+1 {{'accumulate' needs an f32 destination, got 'i32'}}
  flash.store %t, %m[%i] bound %i along 0 accumulate : tensor<16xi32> -> memref<?xi32>
  return
}

//===----------------------------------------------------------------------===//
// ODS constraints
//===----------------------------------------------------------------------===//

// -----

func.func @load_dynamic_tile(%m: memref<?x128xbf16>, %i: index) {
  // expected-error @+1 {{result #0 must be tile of floating-point or signless integer values, but got 'tensor<?x128xbf16>'}}
  %t = flash.load %m[%i, %i] bound %i along 0 : memref<?x128xbf16> -> tensor<?x128xbf16>
  return
}

// -----

func.func @store_dynamic_tile(%m: memref<?x128xbf16>, %t: tensor<64x?xbf16>, %i: index) {
  // expected-error @+1 {{operand #0 must be tile of floating-point or signless integer values, but got 'tensor<64x?xbf16>'}}
  flash.store %t, %m[%i, %i] bound %i along 0 : tensor<64x?xbf16> -> memref<?x128xbf16>
  return
}

// -----

func.func @load_unranked_tile(%m: memref<?x128xbf16>, %i: index) {
  // expected-error @+1 {{invalid kind of type specified: expected builtin.tensor, but found 'tensor<*xbf16>'}}
  %t = flash.load %m[%i, %i] bound %i along 0 : memref<?x128xbf16> -> tensor<*xbf16>
  return
}

// -----

func.func @load_signed_tile(%m: memref<?xsi32>, %i: index) {
  // expected-error @+1 {{result #0 must be tile of floating-point or signless integer values, but got 'tensor<16xsi32>'}}
  %t = flash.load %m[%i] bound %i along 0 : memref<?xsi32> -> tensor<16xsi32>
  return
}

// -----

func.func @load_index_tile(%m: memref<?xindex>, %i: index) {
  // expected-error @+1 {{result #0 must be tile of floating-point or signless integer values, but got 'tensor<16xindex>'}}
  %t = flash.load %m[%i] bound %i along 0 : memref<?xindex> -> tensor<16xindex>
  return
}

// -----

func.func @store_into_tensor(%m: tensor<?x64xf16>, %t: tensor<16x64xf16>, %i: index) {
  // expected-error @+1 {{operand #1 must be memref of any type values, but got 'tensor<?x64xf16>'}}
  "flash.store"(%t, %m, %i, %i, %i) <{along = 0 : i64}> : (tensor<16x64xf16>, tensor<?x64xf16>, index, index, index) -> ()
  return
}

// -----

func.func @load_index_i32(%m: memref<?x64xf16>, %i: index, %j: i32) {
  // expected-error @+1 {{operand #2 must be variadic of index, but got 'i32'}}
  %t = "flash.load"(%m, %i, %j, %i) <{along = 0 : i64}> : (memref<?x64xf16>, index, i32, index) -> tensor<16x64xf16>
  return
}

// -----

func.func @load_along_i32(%m: memref<?x64xf16>, %i: index) {
  // expected-error @+1 {{attribute 'along' failed to satisfy constraint: 64-bit signless integer attribute}}
  %t = "flash.load"(%m, %i, %i, %i) <{along = 0 : i32}> : (memref<?x64xf16>, index, index, index) -> tensor<16x64xf16>
  return
}

// -----

func.func @load_missing_along(%m: memref<?x64xf16>, %i: index) {
  // expected-error @+1 {{requires attribute 'along'}}
  %t = "flash.load"(%m, %i, %i, %i) : (memref<?x64xf16>, index, index, index) -> tensor<16x64xf16>
  return
}

// -----

func.func @store_accumulate_not_unit(%m: memref<?x64xf32>, %t: tensor<16x64xf32>, %i: index) {
  // expected-error @+1 {{invalid properties {accumulate = true, along = 0 : i64} for op flash.store}}
  "flash.store"(%t, %m, %i, %i, %i) <{accumulate = true, along = 0 : i64}>
      : (tensor<16x64xf32>, memref<?x64xf32>, index, index, index) -> ()
  return
}
