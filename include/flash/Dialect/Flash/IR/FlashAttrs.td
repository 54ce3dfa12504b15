//===- FlashAttrs.td - Attributes of the flash dialect -----*- tablegen -*-===//

#ifndef FLASH_DIALECT_FLASH_IR_FLASHATTRS_TD
#define FLASH_DIALECT_FLASH_IR_FLASHATTRS_TD

include "flash/Dialect/Flash/IR/FlashDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

// The axes of a kernel's program grid. By convention the forward kernels use
// `x` for the block of query rows and `y` for the (batch, head) pair.
def Flash_GridAxis : I32EnumAttr<"GridAxis", "axis of the program grid", [
    I32EnumAttrCase<"x", 0>,
    I32EnumAttrCase<"y", 1>,
    I32EnumAttrCase<"z", 2>
  ]> {
  let cppNamespace = "::mlir::flash";
}

//===----------------------------------------------------------------------===//
// Tile layouts (GPU)
//
// On the GPU a tile is spread over the threads of a program. Its layout,
// the encoding of its tensor type, says which thread holds which element
// (lib/Dialect/Flash/IR/Layouts.cpp computes the mapping). The layouts
// follow the tensor cores' mma.sync m16n8k16: warps split the rows, each
// warp holds 16-row blocks, and inside a warp the lane's group (lane / 4)
// picks a row and its index in the group (lane % 4) a pair of columns.
//===----------------------------------------------------------------------===//

class Flash_Attr<string name, string attrMnemonic> : AttrDef<Flash_Dialect, name> {
  let mnemonic = attrMnemonic;
}

def Flash_MmaEncodingAttr : Flash_Attr<"MmaEncoding", "mma"> {
  let summary = "Accumulator layout of mma.sync m16n8: a tile in registers";
  let description = [{
    A rank-2 tile of `M x N` elements held in registers as the accumulators
    of `mma.sync.m16n8`: `warps` warps split the rows (each owns
    `M / warps` consecutive rows, a multiple of 16); in each 16 x 8 block a
    lane holds `(group, 2 tig + {0, 1})` and `(group + 8, 2 tig + {0, 1})`.
  }];
  let parameters = (ins "unsigned":$warps);
  let assemblyFormat = "`<` `warps` `=` $warps `>`";
}

def Flash_RowsEncodingAttr : Flash_Attr<"RowsEncoding", "rows"> {
  let summary = "Per-row values of an mma tile: a rank-1 tile in registers";
  let description = [{
    A rank-1 tile with one element per row of a tile of layout `parent`:
    each lane holds the elements of its rows, replicated over the four lanes
    of its group (row statistics of the softmax, the log-sum-exp).
  }];
  let parameters = (ins "MmaEncodingAttr":$parent);
  let assemblyFormat = "`<` qualified($parent) `>`";
}

def Flash_ColumnsEncodingAttr : Flash_Attr<"ColumnsEncoding", "columns"> {
  let summary = "Per-column values of an mma tile: a rank-1 tile in registers";
  let description = [{
    A rank-1 tile with one element per column of a tile of layout `parent`:
    each lane holds the elements of its columns (`8 j + 2 tig + {0, 1}`),
    replicated over the eight groups of a warp and over the warps (the
    log-sum-exp and D of a transposed score tile, a query a column).
  }];
  let parameters = (ins "MmaEncodingAttr":$parent);
  let assemblyFormat = "`<` qualified($parent) `>`";
}

def Flash_OperandEncodingAttr : Flash_Attr<"OperandEncoding", "operand"> {
  let summary = "A/B operand fragments of mma.sync m16n8k16 in registers";
  let description = [{
    A rank-2 tile of 16-bit elements held as the `a` (`M x K`) or `b`
    (`K x N`) operand fragments of `mma.sync.m16n8k16` for a product whose
    accumulator has layout `parent`. With `transposed`, the tile holds the
    transpose of the operand (`K x M` for `a`, `N x K` for `b`). `b`
    fragments are replicated in every warp.
  }];
  let parameters = (ins "unsigned":$operandIndex, "bool":$transposed,
                        "MmaEncodingAttr":$parent);
  let hasCustomAssemblyFormat = 1;
}

def Flash_SharedEncodingAttr : Flash_Attr<"SharedEncoding", "shared"> {
  let summary = "A tile in shared memory: padded rows, or swizzled for wgmma";
  let description = [{
    A tile held once per program in shared memory: a rank-2 tile of 16-bit
    elements, or a vector of 32-bit elements stored consecutively (the
    per-column statistics of transposed score tiles, read through
    `flash.convert_layout` into `#flash.columns`). The SSA value stands for
    the buffer; matrix products read their operands from it (`ldmatrix`, or
    `wgmma` through matrix descriptors).

    - `padding = P` (the default form): row-major, each row padded by `P`
      elements to spread `ldmatrix` accesses over the banks.
    - `swizzle = 128`: the layout of the tensor cores' 128-byte swizzle mode
      (what `wgmma` reads and TMA writes): the columns are cut into blocks
      of 64 (128 bytes), each block stored row-major with 128-byte rows, and
      the 16-byte chunk `c` of row `r` stored at chunk `c xor (r mod 8)`.
      Rows must be a multiple of 8 and columns of 64; the buffer is aligned
      to 1024 bytes (the swizzle pattern's period).
  }];
  let parameters = (ins DefaultValuedParameter<"unsigned", "0">:$padding,
                        DefaultValuedParameter<"unsigned", "0">:$swizzle);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Whether the tile uses the 128-byte swizzle (else padded rows).
    bool isSwizzled() const { return getSwizzle() != 0; }
  }];
}

#endif // FLASH_DIALECT_FLASH_IR_FLASHATTRS_TD
