//===- TileAttention.cpp - Problem-level ops to tile-level kernels ----------===//
//
// Replaces flash.attention / flash.attention_grad by flash.launch ops of
// tile-level kernels built here. The kernels follow FlashAttention 2: the
// forward streams K/V blocks past a block of query rows with an online
// softmax; the backward computes D = rowsum(dO * O), then dK/dV per key block
// (looping over query blocks and over the query heads sharing a K/V head),
// then dQ per query block; with `atomic_dq`, the dK/dV kernel adds each block
// pair's dS K to an f32 workspace atomically instead and a last kernel
// converts it.
//
//===----------------------------------------------------------------------===//

#include "flash/Dialect/Flash/IR/FlashOps.h"
#include "flash/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"

#include <limits>

namespace mlir::flash {
#define GEN_PASS_DEF_FLASHTILEATTENTION
#include "flash/Transforms/Passes.h.inc"
} // namespace mlir::flash

using namespace mlir;
using namespace mlir::flash;

namespace {

/// Index arithmetic and tile constants at the builder's insertion point.
class KernelBuilder {
public:
  KernelBuilder(OpBuilder &builder, Location loc) : b(builder), loc(loc) {}

  Value index(int64_t value) {
    return arith::ConstantIndexOp::create(b, loc, value);
  }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubIOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value div(Value x, Value y) { return arith::DivUIOp::create(b, loc, x, y); }
  Value rem(Value x, Value y) { return arith::RemUIOp::create(b, loc, x, y); }
  Value min(Value x, Value y) { return arith::MinSIOp::create(b, loc, x, y); }
  Value max(Value x, Value y) { return arith::MaxSIOp::create(b, loc, x, y); }
  Value ceilDiv(Value x, int64_t d) { return div(add(x, index(d - 1)), index(d)); }
  Value ceilDivBy(Value x, Value d) { return div(sub(add(x, d), index(1)), d); }
  Value dim(Value memref, int64_t axis) {
    return memref::DimOp::create(b, loc, memref, axis);
  }
  Value programId(GridAxis axis) {
    return ProgramIdOp::create(b, loc, axis);
  }
  Value numPrograms(GridAxis axis) {
    return NumProgramsOp::create(b, loc, axis);
  }

  RankedTensorType tileType(ArrayRef<int64_t> shape, Type element) {
    return RankedTensorType::get(shape, element);
  }
  Value splat(ArrayRef<int64_t> shape, double value) {
    RankedTensorType type = tileType(shape, b.getF32Type());
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(type, b.getF32FloatAttr(value)));
  }
  Value truncate(Value tile, Type element) {
    auto type = cast<RankedTensorType>(tile.getType());
    if (type.getElementType() == element)
      return tile;
    return arith::TruncFOp::create(b, loc, type.clone(element), tile);
  }
  Value scaleBy(Value tile, double factor) {
    auto type = cast<RankedTensorType>(tile.getType());
    return arith::MulFOp::create(b, loc, tile,
                                 splat(type.getShape(), factor));
  }
  Value dot(Value a, Value bOperand, Value acc, bool transposeA,
            bool transposeB) {
    auto op = DotOp::create(b, loc, acc.getType(), a, bOperand, acc);
    op.setTransposeA(transposeA);
    op.setTransposeB(transposeB);
    return op;
  }

  OpBuilder &b;
  Location loc;
};

/// What the tiling needs to know about one problem-level op, and where its
/// operands sit in the kernels' argument list.
struct Problem {
  bool varlen = false, causal = false;
  float scale = 1.0f, dropoutP = 0.0f;
  int64_t headDim = 0, blockM = 64, blockN = 64;
  Type elementType;
  bool needsMask = true;
  bool atomicDq = false; // backward: dq summed atomically by the dK/dV kernel
  // forward: programs loop over the (query block, head) tiles
  bool persistent = false;
  // backward: the dK/dV kernel works on Sᵀ = K Qᵀ (keys along the rows)
  bool transposedGrad = false;

  // Values passed to every kernel of the problem, in order, and the position
  // of each named operand in that list (-1 when absent).
  SmallVector<Value> args;
  int q = -1, k = -1, v = -1, out = -1, lse = -1, dout = -1, dq = -1,
      dk = -1, dv = -1, delta = -1, dqAccum = -1, cuQ = -1, cuK = -1,
      seed = -1, offset = -1;

  int push(Value value) {
    if (!value)
      return -1;
    args.push_back(value);
    return args.size() - 1;
  }
  bool dropout() const { return dropoutP > 0.0f; }
  /// Rows a program of the backward's per-row kernels (D, dq's conversion)
  /// takes: at least block-n, so that a block of 64 queries beside 128 keys
  /// over 8 warps still gives them whole warps' rows.
  int64_t rowBlock() const { return std::max(blockM, blockN); }
  /// The dK/dV kernel computes dQ's share transposed, dQᵀ = Kᵀ dSᵀ
  /// (AttentionGradOp::transposesDqShare).
  bool transposedDq() const {
    return atomicDq && transposedGrad &&
           AttentionGradOp::transposesDqShare(blockM, headDim);
  }
};

/// The sequence one program works on: its batch entry, heads and extents.
struct Sequence {
  Value batch, head, kvHead, stream;
  Value seqlenQ, seqlenK; // lengths of this sequence
  Value startQ, startK;   // first token (varlen), else 0
};

/// Builds the kernels of one problem.
class KernelEmitter {
public:
  KernelEmitter(ModuleOp module, SymbolTable &symbols, const Problem &problem,
                StringRef baseName, Location loc)
      : module(module), symbols(symbols), p(problem), baseName(baseName),
        loc(loc) {}

  func::FuncOp forwardKernel();
  func::FuncOp deltaKernel();
  func::FuncOp dkdvKernel();
  func::FuncOp dqKernel();
  func::FuncOp dqConvertKernel();

private:
  /// Creates an empty kernel function and positions `builder` in its body.
  func::FuncOp createKernel(StringRef suffix, OpBuilder &builder);
  Value arg(int position) { return kernelArgs[position]; }

  /// Reads the program's (batch, head) from grid axis y, which enumerates
  /// batch * heads (or batch * kv_heads when `perKvHead`), or from `stream`
  /// (that enumeration's index) when given.
  Sequence locate(KernelBuilder &kb, bool perKvHead, Value stream = {});

  /// Rows [row, row + rows) of one head of a [B, S, H, D] / [T, H, D] memref.
  Value loadRows(KernelBuilder &kb, const Sequence &s, Value memref, bool ofQ,
                 Value row, Value head, int64_t rows);
  /// With `accumulate`, the tile is added atomically (f32 memrefs).
  void storeRows(KernelBuilder &kb, const Sequence &s, Value tile, Value memref,
                 bool ofQ, Value row, Value head, bool accumulate = false);
  /// Rows [row, row + rows) of one head of dq's f32 sums (`atomic_dq`;
  /// head-major: AttentionGradOp::getDqSumShape), added to with
  /// `accumulate`.
  Value loadDqSum(KernelBuilder &kb, const Sequence &s, Value row, Value head,
                  int64_t rows);
  void storeDqSum(KernelBuilder &kb, const Sequence &s, Value tile, Value row,
                  Value head, bool accumulate);
  /// Per-row statistics ([B, H, S] / [H, T] memrefs: lse and D).
  Value loadRowStats(KernelBuilder &kb, const Sequence &s, Value memref,
                     Value row, Value head, int64_t rows);
  void storeRowStats(KernelBuilder &kb, const Sequence &s, Value tile,
                     Value memref, Value row, Value head);

  /// A block's product of a query-side and a key-side tile, Q Kᵀ or dO Vᵀ
  /// (block-m x block-n), or its transpose K Qᵀ, V dOᵀ when `transposed`.
  Value blockProduct(KernelBuilder &kb, Value queries, Value keys,
                     bool transposed);
  /// Scores S = Q K^T of a block (Sᵀ = K Qᵀ when `transposed`), masked
  /// when `masked`.
  Value maskedScores(KernelBuilder &kb, const Sequence &s, Value qTile,
                     Value kTile, Value row, Value col, bool masked,
                     bool transposed = false);

  /// The loop over the key blocks a block of query rows sees, carrying
  /// `inits`; `body` computes one block of `keys` columns (masked or not)
  /// and returns what to carry. Blocks that need no mask (inside the
  /// sequence and, when causal, wholly below the diagonal) run in a first
  /// loop of block-n columns without mask ops; the rest in a second one,
  /// of `maskedKeys` columns a block. Returns what the last loop yields.
  using KeyBlockBody = llvm::function_ref<SmallVector<Value>(
      Value col, ValueRange carried, bool masked, int64_t keys)>;
  ValueRange keyBlocks(KernelBuilder &kb, const Sequence &s, Value row,
                       ValueRange inits, KeyBlockBody body, int64_t maskedKeys);
  /// Dropout applied to `tile` (probabilities or their gradient, transposed
  /// when `transposed`) when on.
  Value applyDropout(KernelBuilder &kb, const Sequence &s, Value tile, Value row,
                     Value col, Value stream, bool transposed = false);

  /// First row of this program's block along grid axis x (`block` rows
  /// each), with the insertion point moved into an `scf.if` that skips
  /// programs past `extent`.
  Value programBlock(KernelBuilder &kb, int64_t block, Value extent);
  /// The forward's (sequence, first row) of each tile a persistent program
  /// computes: the insertion point moves into a loop over the program's
  /// tiles, striding by the number of programs. A stream's (batch * head's)
  /// tiles are consecutive, so that the programs running at once share a
  /// few streams' K and V in L2. Without a causal mask tile t is block
  /// t % blocks of stream t / blocks. With it block i does i + 1 key blocks,
  /// so the tiles go in pairs of equal work: a program takes its pair's
  /// long tile in one round and the short one in the next.
  std::pair<Sequence, Value> tileLoop(KernelBuilder &kb);

  /// dS = P * (dP - D) of a block, with dP = dO V^T through the dropout
  /// mask (dSᵀ from Pᵀ and dPᵀ = V dOᵀ when `transposed`).
  Value scoreGradients(KernelBuilder &kb, const Sequence &s, Value probs,
                       Value doutTile, Value vTile, Value delta, Value row,
                       Value col, Value stream, bool transposed = false);

  /// The causal upper bound of the key columns a block of query rows sees.
  Value keyEnd(KernelBuilder &kb, const Sequence &s, Value row);

  ModuleOp module;
  SymbolTable &symbols;
  const Problem &p;
  std::string baseName;
  Location loc; // of the problem-level op, for every op of its kernels
  SmallVector<Value> kernelArgs;
};

func::FuncOp KernelEmitter::createKernel(StringRef suffix, OpBuilder &builder) {
  SmallVector<Type> types = llvm::map_to_vector(
      p.args, [](Value value) { return value.getType(); });
  builder.setInsertionPointToEnd(module.getBody());
  auto kernel = func::FuncOp::create(builder, loc,
                                     (baseName + "_" + suffix).str(),
                                     builder.getFunctionType(types, {}));
  kernel.setPrivate();
  kernel->setAttr(FlashDialect::kKernelAttrName, builder.getUnitAttr());
  symbols.insert(kernel);
  Block *body = kernel.addEntryBlock();
  kernelArgs.assign(body->args_begin(), body->args_end());
  builder.setInsertionPointToEnd(body);
  auto ret = func::ReturnOp::create(builder, loc);
  builder.setInsertionPoint(ret);
  return kernel;
}

Sequence KernelEmitter::locate(KernelBuilder &kb, bool perKvHead,
                               Value stream) {
  int64_t headAxis = p.varlen ? 1 : 2;
  Value heads = kb.dim(arg(p.q), headAxis);
  Value kvHeads = kb.dim(arg(p.k), headAxis);
  Value group = kb.div(heads, kvHeads);
  Sequence s;
  Value y = stream ? stream : kb.programId(GridAxis::y);
  if (perKvHead) {
    s.batch = kb.div(y, kvHeads);
    s.kvHead = kb.rem(y, kvHeads);
  } else {
    s.batch = kb.div(y, heads);
    s.head = kb.rem(y, heads);
    s.kvHead = kb.div(s.head, group);
    s.stream = y;
  }
  if (p.varlen) {
    auto boundsQ = SeqBoundsOp::create(kb.b, kb.loc, arg(p.cuQ), s.batch);
    auto boundsK = SeqBoundsOp::create(kb.b, kb.loc, arg(p.cuK), s.batch);
    s.startQ = boundsQ.getStart();
    s.seqlenQ = boundsQ.getLength();
    s.startK = boundsK.getStart();
    s.seqlenK = boundsK.getLength();
  } else {
    s.startQ = s.startK = kb.index(0);
    s.seqlenQ = kb.dim(arg(p.q), 1);
    s.seqlenK = kb.dim(arg(p.k), 1);
  }
  return s;
}

Value KernelEmitter::loadRows(KernelBuilder &kb, const Sequence &s,
                              Value memref, bool ofQ, Value row, Value head,
                              int64_t rows) {
  Value zero = kb.index(0);
  auto type = kb.tileType({rows, p.headDim},
                          cast<MemRefType>(memref.getType()).getElementType());
  if (p.varlen) {
    Value start = ofQ ? s.startQ : s.startK;
    Value length = ofQ ? s.seqlenQ : s.seqlenK;
    return LoadOp::create(kb.b, kb.loc, type, memref,
                          ValueRange{kb.add(start, row), head, zero},
                          kb.add(start, length), 0);
  }
  // Bounded by the tensor's own length (the sequence's, as the problem
  // verified): a bound that is the source's size lets the lowering copy the
  // tile with the TMA, whose zero fill stops there.
  return LoadOp::create(kb.b, kb.loc, type, memref,
                        ValueRange{s.batch, row, head, zero}, kb.dim(memref, 1),
                        1);
}

void KernelEmitter::storeRows(KernelBuilder &kb, const Sequence &s, Value tile,
                              Value memref, bool ofQ, Value row, Value head,
                              bool accumulate) {
  Value zero = kb.index(0);
  if (p.varlen) {
    Value start = ofQ ? s.startQ : s.startK;
    Value length = ofQ ? s.seqlenQ : s.seqlenK;
    StoreOp::create(kb.b, kb.loc, tile, memref,
                    ValueRange{kb.add(start, row), head, zero},
                    kb.add(start, length), 0, accumulate);
    return;
  }
  // Bounded by the tensor's own length, as loadRows' tiles: the lowering
  // may then store the tile with the TMA, which clips it there.
  StoreOp::create(kb.b, kb.loc, tile, memref,
                  ValueRange{s.batch, row, head, zero}, kb.dim(memref, 1), 1,
                  accumulate);
}

/// The indices of row `row` of a head in dq's sums, and the bound of its
/// rows along axis `dqSumAlong(p)`.
static std::pair<SmallVector<Value>, Value>
dqSumRows(KernelBuilder &kb, const Problem &p, const Sequence &s, Value sums,
          Value row, Value head) {
  Value zero = kb.index(0);
  if (p.varlen)
    return {{head, kb.add(s.startQ, row), zero}, kb.add(s.startQ, s.seqlenQ)};
  return {{s.batch, head, row, zero}, kb.dim(sums, 2)};
}

static int64_t dqSumAlong(const Problem &p) { return p.varlen ? 1 : 2; }

Value KernelEmitter::loadDqSum(KernelBuilder &kb, const Sequence &s, Value row,
                               Value head, int64_t rows) {
  auto [indices, bound] = dqSumRows(kb, p, s, arg(p.dqAccum), row, head);
  return LoadOp::create(kb.b, kb.loc,
                        kb.tileType({rows, p.headDim}, kb.b.getF32Type()),
                        arg(p.dqAccum), indices, bound, dqSumAlong(p));
}

void KernelEmitter::storeDqSum(KernelBuilder &kb, const Sequence &s, Value tile,
                               Value row, Value head, bool accumulate) {
  auto [indices, bound] = dqSumRows(kb, p, s, arg(p.dqAccum), row, head);
  StoreOp::create(kb.b, kb.loc, tile, arg(p.dqAccum), indices, bound,
                  dqSumAlong(p), accumulate);
}

Value KernelEmitter::loadRowStats(KernelBuilder &kb, const Sequence &s,
                                  Value memref, Value row, Value head,
                                  int64_t rows) {
  auto type = kb.tileType({rows}, kb.b.getF32Type());
  if (p.varlen)
    return LoadOp::create(kb.b, kb.loc, type, memref,
                          ValueRange{head, kb.add(s.startQ, row)},
                          kb.add(s.startQ, s.seqlenQ), 1);
  return LoadOp::create(kb.b, kb.loc, type, memref,
                        ValueRange{s.batch, head, row}, s.seqlenQ, 2);
}

void KernelEmitter::storeRowStats(KernelBuilder &kb, const Sequence &s,
                                  Value tile, Value memref, Value row,
                                  Value head) {
  if (p.varlen)
    StoreOp::create(kb.b, kb.loc, tile, memref,
                    ValueRange{head, kb.add(s.startQ, row)},
                    kb.add(s.startQ, s.seqlenQ), 1, false);
  else
    StoreOp::create(kb.b, kb.loc, tile, memref, ValueRange{s.batch, head, row},
                    s.seqlenQ, 2, false);
}

Value KernelEmitter::blockProduct(KernelBuilder &kb, Value queries,
                                  Value keys, bool transposed) {
  auto rowsOf = [](Value tile) {
    return cast<RankedTensorType>(tile.getType()).getDimSize(0);
  };
  int64_t queryRows = rowsOf(queries), keyRows = rowsOf(keys);
  if (transposed)
    return kb.dot(keys, queries, kb.splat({keyRows, queryRows}, 0.0),
                  /*transposeA=*/false, /*transposeB=*/true);
  return kb.dot(queries, keys, kb.splat({queryRows, keyRows}, 0.0),
                /*transposeA=*/false, /*transposeB=*/true);
}

Value KernelEmitter::maskedScores(KernelBuilder &kb, const Sequence &s,
                                  Value qTile, Value kTile, Value row,
                                  Value col, bool masked, bool transposed) {
  Value scores = blockProduct(kb, qTile, kTile, transposed);
  if (!masked)
    return scores;
  return MaskOp::create(kb.b, kb.loc, scores, row, col, s.seqlenQ, s.seqlenK,
                        p.causal, transposed);
}

Value KernelEmitter::applyDropout(KernelBuilder &kb, const Sequence &s,
                                  Value tile, Value row, Value col,
                                  Value stream, bool transposed) {
  if (!p.dropout())
    return tile;
  auto bitsType = cast<RankedTensorType>(tile.getType())
                      .clone(kb.b.getI32Type());
  Value bits = PhiloxOp::create(kb.b, kb.loc, bitsType, arg(p.seed),
                                arg(p.offset), stream, row, col, transposed);
  return DropoutOp::create(kb.b, kb.loc, tile, bits, p.dropoutP);
}

Value KernelEmitter::programBlock(KernelBuilder &kb, int64_t block,
                                  Value extent) {
  Value first = kb.mul(kb.programId(GridAxis::x), kb.index(block));
  Value inRange = arith::CmpIOp::create(kb.b, kb.loc, arith::CmpIPredicate::slt,
                                        first, extent);
  auto ifInRange = scf::IfOp::create(kb.b, kb.loc, inRange);
  kb.b.setInsertionPointToStart(&ifInRange.getThenRegion().front());
  return first;
}

std::pair<Sequence, Value> KernelEmitter::tileLoop(KernelBuilder &kb) {
  // Fixed lengths only: every tile's rows start inside the sequence, but
  // for the padding tile of a causal pair (below).
  Value blocks = kb.ceilDiv(kb.dim(arg(p.q), 1), p.blockM);
  Value streams = kb.mul(kb.dim(arg(p.q), 0), kb.dim(arg(p.q), 2));
  // Programs numbered over the grid's x and y, so that any grid computes
  // each tile once (the runtime's is (programs, 1, 1)).
  Value programsX = kb.numPrograms(GridAxis::x);
  Value program = kb.add(kb.programId(GridAxis::x),
                         kb.mul(kb.programId(GridAxis::y), programsX));
  Value programs = kb.mul(programsX, kb.numPrograms(GridAxis::y));
  if (!p.causal) {
    auto loop = scf::ForOp::create(kb.b, kb.loc, program,
                                   kb.mul(blocks, streams), programs);
    kb.b.setInsertionPoint(loop.getBody()->getTerminator());
    Value tile = loop.getInductionVar();
    Value stream = kb.div(tile, blocks), block = kb.rem(tile, blocks);
    Sequence s = locate(kb, /*perKvHead=*/false, stream);
    return {s, kb.mul(block, kb.index(p.blockM))};
  }
  // Pair d of a stream is its blocks 2 * half - 1 - d and d (half =
  // ceil(blocks / 2)): (2 * half - d) + (d + 1) blocks' worth of keys
  // whatever d. With an odd count of blocks pair 0's long tile lies past
  // the sequence and sees no keys (keyEnd). Pairs are numbered
  // stream-major; program i takes pairs i, i + programs, ...: the long tile
  // of pair r * programs + i in round 2r, its short tile in round 2r + 1.
  // Its loop counts rounds.
  Value half = kb.ceilDiv(blocks, 2);
  Value pairs = kb.mul(half, streams);
  Value ownPairs =
      kb.ceilDivBy(kb.max(kb.sub(pairs, program), kb.index(0)), programs);
  Value rounds = kb.mul(ownPairs, kb.index(2));
  auto loop =
      scf::ForOp::create(kb.b, kb.loc, kb.index(0), rounds, kb.index(1));
  kb.b.setInsertionPoint(loop.getBody()->getTerminator());
  Value round = loop.getInductionVar();
  Value pair = kb.add(kb.mul(kb.div(round, kb.index(2)), programs), program);
  Value d = kb.rem(pair, half);
  Value isShort =
      arith::CmpIOp::create(kb.b, kb.loc, arith::CmpIPredicate::eq,
                            kb.rem(round, kb.index(2)), kb.index(1));
  Value longBlock = kb.sub(kb.sub(kb.add(half, half), kb.index(1)), d);
  Value block = arith::SelectOp::create(kb.b, kb.loc, isShort, d, longBlock);
  Sequence s = locate(kb, /*perKvHead=*/false, kb.div(pair, half));
  return {s, kb.mul(block, kb.index(p.blockM))};
}

Value KernelEmitter::scoreGradients(KernelBuilder &kb, const Sequence &s,
                                    Value probs, Value doutTile, Value vTile,
                                    Value delta, Value row, Value col,
                                    Value stream, bool transposed) {
  Value dprobs = blockProduct(kb, doutTile, vTile, transposed);
  dprobs = applyDropout(kb, s, dprobs, row, col, stream, transposed);
  return SoftmaxGradOp::create(kb.b, kb.loc, probs, dprobs, delta, transposed);
}

Value KernelEmitter::keyEnd(KernelBuilder &kb, const Sequence &s, Value row) {
  if (!p.causal)
    return s.seqlenK;
  // Row r sees columns c <= r + seqlen_k - seqlen_q (bottom-right aligned).
  Value lastRowEnd = kb.add(row, kb.index(p.blockM));
  Value visible = kb.add(lastRowEnd, kb.sub(s.seqlenK, s.seqlenQ));
  Value end = kb.max(kb.index(0), kb.min(visible, s.seqlenK));
  if (!p.persistent)
    return end;
  // A persistent kernel's padding tile, past the sequence, sees none.
  Value inside = arith::CmpIOp::create(kb.b, kb.loc, arith::CmpIPredicate::slt,
                                       row, s.seqlenQ);
  return arith::SelectOp::create(kb.b, kb.loc, inside, end, kb.index(0));
}

ValueRange KernelEmitter::keyBlocks(KernelBuilder &kb, const Sequence &s,
                                    Value row, ValueRange inits,
                                    KeyBlockBody body, int64_t maskedKeys) {
  Value end = keyEnd(kb, s, row);
  auto loopOver = [&](Value begin, Value stop, ValueRange carried,
                      bool masked) {
    int64_t keys = masked ? maskedKeys : p.blockN;
    auto loop =
        scf::ForOp::create(kb.b, kb.loc, begin, stop, kb.index(keys), carried);
    OpBuilder::InsertionGuard guard(kb.b);
    kb.b.setInsertionPointToStart(loop.getBody());
    SmallVector<Value> next =
        body(loop.getInductionVar(), loop.getRegionIterArgs(), masked, keys);
    scf::YieldOp::create(kb.b, kb.loc, next);
    return loop;
  };
  if (!p.needsMask)
    return loopOver(kb.index(0), end, inits, /*masked=*/false).getResults();
  // Full blocks: col + BLOCK_N <= seqlen_k and, when causal, the block's
  // last column visible from its first row: col + BLOCK_N <= row + diag + 1.
  Value block = kb.index(p.blockN);
  Value unmaskedEnd = kb.mul(kb.div(s.seqlenK, block), block);
  if (p.causal) {
    Value diagonal = kb.sub(s.seqlenK, s.seqlenQ);
    Value visible = kb.max(kb.index(0),
                           kb.add(kb.add(row, diagonal), kb.index(1)));
    unmaskedEnd = kb.min(unmaskedEnd, kb.mul(kb.div(visible, block), block));
  }
  unmaskedEnd = kb.min(unmaskedEnd, end);
  auto full = loopOver(kb.index(0), unmaskedEnd, inits, /*masked=*/false);
  return loopOver(unmaskedEnd, end, full.getResults(), /*masked=*/true)
      .getResults();
}

func::FuncOp KernelEmitter::forwardKernel() {
  OpBuilder builder(module.getContext());
  func::FuncOp kernel = createKernel("fwd", builder);
  KernelBuilder kb(builder, kernel.getLoc());

  Sequence s;
  Value row;
  if (p.persistent) {
    std::tie(s, row) = tileLoop(kb);
  } else {
    s = locate(kb, /*perKvHead=*/false);
    row = programBlock(kb, p.blockM, s.seqlenQ);
  }

  Value qTile = loadRows(kb, s, arg(p.q), /*ofQ=*/true, row, s.head, p.blockM);
  Value m0 = kb.splat({p.blockM}, -std::numeric_limits<double>::infinity());
  Value l0 = kb.splat({p.blockM}, 0.0);
  Value acc0 = kb.splat({p.blockM, p.headDim}, 0.0);

  // With causal blocks of more keys than query rows, the diagonal loop
  // takes block-m keys a block: with block-n ones, every other tile's
  // diagonal block would reach block-m keys past the tile's last row, all
  // masked (a 256-key block over 128 rows: 128 keys computed for nothing).
  bool narrowDiagonal =
      p.causal && p.blockN > p.blockM && p.blockN % p.blockM == 0;
  ValueRange results = keyBlocks(
      kb, s, row, ValueRange{acc0, m0, l0},
      [&](Value col, ValueRange carried, bool masked,
          int64_t keys) -> SmallVector<Value> {
        Value acc = carried[0], m = carried[1], l = carried[2];
        Value kTile = loadRows(kb, s, arg(p.k), false, col, s.kvHead, keys);
        Value vTile = loadRows(kb, s, arg(p.v), false, col, s.kvHead, keys);
        Value scores = maskedScores(kb, s, qTile, kTile, row, col, masked);
        auto softmax = OnlineSoftmaxOp::create(builder, kb.loc, scores, m, l,
                                               p.scale);
        // l sums the probabilities before dropout; P V uses them after.
        Value probs =
            applyDropout(kb, s, softmax.getProbs(), row, col, s.stream);
        Value rescaled = ScaleRowsOp::create(builder, kb.loc, acc,
                                             softmax.getCorrection());
        Value accNext = kb.dot(kb.truncate(probs, p.elementType), vTile,
                               rescaled, false, false);
        return {accNext, softmax.getNewRowMax(), softmax.getNewRowSum()};
      },
      narrowDiagonal ? p.blockM : p.blockN);
  auto outType = kb.tileType({p.blockM, p.headDim}, p.elementType);
  auto finalize = FinalizeOp::create(builder, kb.loc, outType,
                                     results[1].getType(), results[0],
                                     results[1], results[2]);
  storeRows(kb, s, finalize.getOut(), arg(p.out), true, row, s.head);
  storeRowStats(kb, s, finalize.getLse(), arg(p.lse), row, s.head);
  return kernel;
}

func::FuncOp KernelEmitter::deltaKernel() {
  OpBuilder builder(module.getContext());
  func::FuncOp kernel = createKernel("bwd_delta", builder);
  KernelBuilder kb(builder, kernel.getLoc());

  Sequence s = locate(kb, /*perKvHead=*/false);
  int64_t rows = p.rowBlock();
  Value row = kb.mul(kb.programId(GridAxis::x), kb.index(rows));
  Value outTile = loadRows(kb, s, arg(p.out), true, row, s.head, rows);
  Value doutTile = loadRows(kb, s, arg(p.dout), true, row, s.head, rows);
  Value delta = RowDotOp::create(builder, kb.loc,
                                 kb.tileType({rows}, builder.getF32Type()),
                                 doutTile, outTile);
  storeRowStats(kb, s, delta, arg(p.delta), row, s.head);
  // The dK/dV kernel adds to dq's workspace, which starts at zero.
  if (p.atomicDq)
    storeDqSum(kb, s, kb.splat({rows, p.headDim}, 0.0), row, s.head,
               /*accumulate=*/false);
  return kernel;
}

func::FuncOp KernelEmitter::dkdvKernel() {
  OpBuilder builder(module.getContext());
  func::FuncOp kernel = createKernel("bwd_dkdv", builder);
  KernelBuilder kb(builder, kernel.getLoc());

  Sequence s = locate(kb, /*perKvHead=*/true);
  Value col = programBlock(kb, p.blockN, s.seqlenK);

  Value kTile = loadRows(kb, s, arg(p.k), false, col, s.kvHead, p.blockN);
  Value vTile = loadRows(kb, s, arg(p.v), false, col, s.kvHead, p.blockN);
  // Causal: query rows before col - (seqlen_k - seqlen_q) see none of these
  // keys; start at the query block holding the first row that does.
  Value rowStart = kb.index(0);
  if (p.causal) {
    Value first = kb.max(kb.index(0),
                         kb.sub(col, kb.sub(s.seqlenK, s.seqlenQ)));
    rowStart = kb.mul(kb.div(first, kb.index(p.blockM)), kb.index(p.blockM));
  }
  int64_t headAxis = p.varlen ? 1 : 2;
  Value heads = kb.dim(arg(p.q), headAxis);
  Value group = kb.div(heads, kb.dim(arg(p.k), headAxis));
  Value firstHead = kb.mul(s.kvHead, group);

  Value dk0 = kb.splat({p.blockN, p.headDim}, 0.0);
  Value dv0 = kb.splat({p.blockN, p.headDim}, 0.0);
  // Sum over the query heads sharing this K/V head, then over query blocks.
  auto headLoop = scf::ForOp::create(builder, kb.loc, kb.index(0), group,
                                     kb.index(1), ValueRange{dk0, dv0});
  {
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPointToStart(headLoop.getBody());
    Value head = kb.add(firstHead, headLoop.getInductionVar());
    Value stream = kb.add(kb.mul(s.batch, heads), head);
    auto rowLoop = scf::ForOp::create(
        builder, kb.loc, rowStart, s.seqlenQ, kb.index(p.blockM),
        ValueRange{headLoop.getRegionIterArg(0), headLoop.getRegionIterArg(1)});
    {
      OpBuilder::InsertionGuard inner(builder);
      builder.setInsertionPointToStart(rowLoop.getBody());
      Value row = rowLoop.getInductionVar();
      Value dk = rowLoop.getRegionIterArg(0), dv = rowLoop.getRegionIterArg(1);
      Value qTile = loadRows(kb, s, arg(p.q), true, row, head, p.blockM);
      Value doutTile = loadRows(kb, s, arg(p.dout), true, row, head, p.blockM);
      Value lse = loadRowStats(kb, s, arg(p.lse), row, head, p.blockM);
      Value delta = loadRowStats(kb, s, arg(p.delta), row, head, p.blockM);
      // Every block masked: rows past seqlen_q would add to dK and dV.
      // One loop, not the forward's unmasked and masked ones: split, the
      // GPU's consumers spilled (performance.md, step 29); the mask's
      // lowering skips its compares for whole blocks instead.
      // Transposed (Sᵀ, Pᵀ, dSᵀ: the keys along the rows), the products
      // below take Pᵀ and dSᵀ as they are.
      bool transposed = p.transposedGrad;
      Value scores = maskedScores(kb, s, qTile, kTile, row, col, p.needsMask,
                                  transposed);
      Value probs = SoftmaxRecomputeOp::create(builder, kb.loc, scores, lse,
                                               p.scale, transposed);
      Value dropped = applyDropout(kb, s, probs, row, col, stream, transposed);
      // dP through the same dropout mask, then dS; both before the dV
      // product so that the mask's bits are dead during it.
      Value dscores = scoreGradients(kb, s, probs, doutTile, vTile, delta,
                                     row, col, stream, transposed);
      // dV += P_dropped^T dO
      Value dvNext = kb.dot(kb.truncate(dropped, p.elementType), doutTile, dv,
                            /*transposeA=*/!transposed, false);
      Value dscoresNarrow = kb.truncate(dscores, p.elementType);
      // dQ += dS K, summed over the key blocks by atomic additions (scaled
      // once, by the conversion kernel); as (Kᵀ dSᵀ)ᵀ when transposedDq.
      auto dqProduct = [&] {
        return p.transposedDq() ? kb.dot(kTile, dscoresNarrow,
                                         kb.splat({p.headDim, p.blockM}, 0.0),
                                         /*transposeA=*/true, false)
                                : kb.dot(dscoresNarrow, kTile,
                                         kb.splat({p.blockM, p.headDim}, 0.0),
                                         /*transposeA=*/transposed, false);
      };
      // Above d=64, dQ's product is issued before dK's and read after it,
      // so that on the GPU dQ's way out (into shared memory, then a bulk
      // reduction) runs beside dK's product: 3% faster at d=128, with
      // fewer spills; at d=64 ptxas spilled more (docs/performance.md,
      // step 34).
      bool dqFirst = p.atomicDq && p.headDim > 64;
      Value dq = dqFirst ? dqProduct() : Value();
      // dK += dS^T Q (scaled once at the end).
      Value dkNext = kb.dot(dscoresNarrow, qTile, dk,
                            /*transposeA=*/!transposed, false);
      if (p.atomicDq) {
        if (!dqFirst)
          dq = dqProduct();
        if (p.transposedDq())
          dq = TransposeOp::create(
              builder, kb.loc,
              kb.tileType({p.blockM, p.headDim}, builder.getF32Type()), dq);
        storeDqSum(kb, s, dq, row, head, /*accumulate=*/true);
      }
      scf::YieldOp::create(builder, kb.loc, ValueRange{dkNext, dvNext});
    }
    scf::YieldOp::create(builder, kb.loc, rowLoop.getResults());
  }
  Value dk = kb.truncate(kb.scaleBy(headLoop.getResult(0), p.scale),
                         p.elementType);
  Value dv = kb.truncate(headLoop.getResult(1), p.elementType);
  storeRows(kb, s, dk, arg(p.dk), false, col, s.kvHead);
  storeRows(kb, s, dv, arg(p.dv), false, col, s.kvHead);
  return kernel;
}

func::FuncOp KernelEmitter::dqKernel() {
  OpBuilder builder(module.getContext());
  func::FuncOp kernel = createKernel("bwd_dq", builder);
  KernelBuilder kb(builder, kernel.getLoc());

  Sequence s = locate(kb, /*perKvHead=*/false);
  Value row = programBlock(kb, p.blockM, s.seqlenQ);

  Value qTile = loadRows(kb, s, arg(p.q), true, row, s.head, p.blockM);
  Value doutTile = loadRows(kb, s, arg(p.dout), true, row, s.head, p.blockM);
  Value lse = loadRowStats(kb, s, arg(p.lse), row, s.head, p.blockM);
  Value delta = loadRowStats(kb, s, arg(p.delta), row, s.head, p.blockM);
  Value dq0 = kb.splat({p.blockM, p.headDim}, 0.0);
  ValueRange results = keyBlocks(
      kb, s, row, ValueRange{dq0},
      [&](Value col, ValueRange carried, bool masked,
          int64_t keys) -> SmallVector<Value> {
        Value kTile = loadRows(kb, s, arg(p.k), false, col, s.kvHead, keys);
        Value vTile = loadRows(kb, s, arg(p.v), false, col, s.kvHead, keys);
        Value scores = maskedScores(kb, s, qTile, kTile, row, col, masked);
        Value probs = SoftmaxRecomputeOp::create(builder, kb.loc, scores, lse,
                                                 p.scale);
        Value dscores = scoreGradients(kb, s, probs, doutTile, vTile, delta,
                                       row, col, s.stream);
        // dQ += dS K (scaled once at the end).
        return {kb.dot(kb.truncate(dscores, p.elementType), kTile, carried[0],
                       false, false)};
      },
      p.blockN);
  Value dq = kb.truncate(kb.scaleBy(results[0], p.scale), p.elementType);
  storeRows(kb, s, dq, arg(p.dq), true, row, s.head);
  return kernel;
}

func::FuncOp KernelEmitter::dqConvertKernel() {
  OpBuilder builder(module.getContext());
  func::FuncOp kernel = createKernel("bwd_dq_convert", builder);
  KernelBuilder kb(builder, kernel.getLoc());

  Sequence s = locate(kb, /*perKvHead=*/false);
  Value row = programBlock(kb, p.rowBlock(), s.seqlenQ);
  Value sum = loadDqSum(kb, s, row, s.head, p.rowBlock());
  Value dq = kb.truncate(kb.scaleBy(sum, p.scale), p.elementType);
  storeRows(kb, s, dq, arg(p.dq), true, row, s.head);
  return kernel;
}

bool isStaticMultiple(int64_t extent, int64_t block) {
  return !ShapedType::isDynamic(extent) && extent % block == 0;
}

/// Fills what both ops share.
template <typename OpTy>
Problem describe(OpTy op, int64_t blockM, int64_t blockN) {
  Problem p;
  auto qType = cast<MemRefType>(op.getQ().getType());
  auto kType = cast<MemRefType>(op.getK().getType());
  p.varlen = op.isVarlen();
  p.causal = op.getCausal();
  p.scale = op.getEffectiveScale();
  p.dropoutP = op.getDropoutP().convertToFloat();
  p.headDim = qType.getShape().back();
  p.elementType = qType.getElementType();
  p.blockM = blockM;
  p.blockN = blockN;
  p.needsMask = p.causal || p.varlen ||
                !isStaticMultiple(qType.getDimSize(1), blockM) ||
                !isStaticMultiple(kType.getDimSize(1), blockN);
  return p;
}

/// The grid (ceil(rows / block), batch * heads, 1) of a kernel, where `rows`
/// is the (maximum) sequence length of q (or k) and `heads` those of q (or k).
SmallVector<Value> grid(KernelBuilder &kb, const Problem &p, Value maxSeqlen,
                        Value headsOf, int64_t block) {
  Value batch = p.varlen ? kb.sub(kb.dim(p.args[p.cuQ], 0), kb.index(1))
                         : kb.dim(p.args[p.q], 0);
  Value heads = kb.dim(headsOf, p.varlen ? 1 : 2);
  return {kb.ceilDiv(maxSeqlen, block), kb.mul(batch, heads), kb.index(1)};
}

/// Launches `kernel` over `grid`, and records on the kernel how its grid is
/// sized, for runtimes that launch kernels without running host code:
/// x = ceil(max seqlen of `rows` / block), y = batch * heads of `heads`, and
/// its position among the problem's launches.
/// With `persistent`, the kernel loops over the grid's x * y tiles: it is
/// launched over (x * y, 1, 1), one tile a program, and the attribute says
/// that a runtime may launch fewer programs.
void launch(KernelBuilder &kb, func::FuncOp kernel, ArrayRef<Value> grid,
            ValueRange args, StringRef rows, int64_t block, StringRef heads,
            int64_t order, bool persistent = false) {
  Value x = persistent ? kb.mul(grid[0], grid[1]) : grid[0];
  Value y = persistent ? kb.index(1) : grid[1];
  LaunchOp::create(kb.b, kb.loc, kernel.getSymName(), x, y, grid[2], args);
  Builder b(kernel.getContext());
  SmallVector<NamedAttribute> fields = {
      b.getNamedAttr("block", b.getI64IntegerAttr(block)),
      b.getNamedAttr("heads", b.getStringAttr(heads)),
      b.getNamedAttr("order", b.getI64IntegerAttr(order)),
      b.getNamedAttr("rows", b.getStringAttr(rows))};
  if (persistent)
    fields.push_back(b.getNamedAttr("persistent", b.getUnitAttr()));
  kernel->setAttr(FlashDialect::kGridAttrName, b.getDictionaryAttr(fields));
}

struct FlashTileAttentionPass
    : public flash::impl::FlashTileAttentionBase<FlashTileAttentionPass> {
  using FlashTileAttentionBase::FlashTileAttentionBase;

  void runOnOperation() override {
    if (blockM <= 0 || blockN <= 0 || blockM % 16 != 0 || blockN % 16 != 0) {
      getOperation().emitError()
          << "flash-tile-attention: block-m and block-n must be positive "
             "multiples of 16, got "
          << blockM.getValue() << " and " << blockN.getValue();
      return signalPassFailure();
    }
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<Operation *> problems;
    module.walk([&](Operation *op) {
      if (isa<AttentionOp, AttentionGradOp>(op))
        problems.push_back(op);
    });
    for (Operation *op : problems) {
      if (auto fwd = dyn_cast<AttentionOp>(op))
        tileForward(module, symbols, fwd);
      else
        tileBackward(module, symbols, cast<AttentionGradOp>(op));
      op->erase();
    }
  }

  std::string kernelBaseName(Operation *op, StringRef kind) {
    auto parent = op->getParentOfType<func::FuncOp>();
    return ((parent ? parent.getSymName() : StringRef("flash")) + "_" + kind)
        .str();
  }

  void tileForward(ModuleOp module, SymbolTable &symbols, AttentionOp op) {
    Problem p = describe(op, blockM, blockN);
    p.q = p.push(op.getQ());
    p.k = p.push(op.getK());
    p.v = p.push(op.getV());
    p.out = p.push(op.getOut());
    p.lse = p.push(op.getLse());
    p.cuQ = p.push(op.getCuSeqlensQ());
    p.cuK = p.push(op.getCuSeqlensK());
    p.seed = p.push(op.getSeed());
    p.offset = p.push(op.getOffset());
    // Varlen tiles past a sequence's end would be computed for nothing.
    p.persistent = persistent && !p.varlen;

    KernelEmitter emitter(module, symbols, p, kernelBaseName(op, "attention"), op.getLoc());
    func::FuncOp kernel = emitter.forwardKernel();

    OpBuilder builder(op);
    KernelBuilder kb(builder, op.getLoc());
    Value maxSeqlenQ = p.varlen ? op.getMaxSeqlenQ() : kb.dim(op.getQ(), 1);
    launch(kb, kernel, grid(kb, p, maxSeqlenQ, op.getQ(), blockM), p.args, "q",
           blockM, "q", 0, p.persistent);
  }

  void tileBackward(ModuleOp module, SymbolTable &symbols, AttentionGradOp op) {
    Problem p = describe(op, blockM, blockN);
    OpBuilder builder(op);
    KernelBuilder kb(builder, op.getLoc());

    // D = rowsum(dO * O) lives in a workspace shaped like the lse. Like the
    // buffers of one-shot bufferization, it is freed by the deallocation
    // pipeline that follows.
    auto lseType = cast<MemRefType>(op.getLse().getType());
    SmallVector<Value> lseSizes;
    for (int64_t axis = 0; axis < lseType.getRank(); ++axis)
      if (lseType.isDynamicDim(axis))
        lseSizes.push_back(kb.dim(op.getLse(), axis));
    auto deltaType = MemRefType::get(lseType.getShape(), builder.getF32Type());
    Value delta = memref::AllocOp::create(builder, op.getLoc(), deltaType,
                                          lseSizes);
    // With `atomic_dq`, dq's f32 sums: q's axes, head-major, padded rows.
    p.atomicDq = op.getAtomicDq();
    p.transposedGrad = transposedGrad;
    Value dqAccum;
    if (p.atomicDq) {
      auto qType = cast<MemRefType>(op.getQ().getType());
      SmallVector<int64_t> qAxes =
          p.varlen ? SmallVector<int64_t>{1, 0} : SmallVector<int64_t>{0, 2, 1};
      SmallVector<int64_t> shape =
          AttentionGradOp::getDqSumShape(qType.getShape());
      SmallVector<Value> sizes;
      for (auto [axis, qAxis] : llvm::enumerate(qAxes))
        if (ShapedType::isDynamic(shape[axis]))
          sizes.push_back(kb.dim(op.getQ(), qAxis));
      dqAccum = memref::AllocOp::create(
          builder, op.getLoc(), MemRefType::get(shape, builder.getF32Type()),
          sizes);
    }

    p.q = p.push(op.getQ());
    p.k = p.push(op.getK());
    p.v = p.push(op.getV());
    p.out = p.push(op.getOut());
    p.dout = p.push(op.getDout());
    p.lse = p.push(op.getLse());
    p.dq = p.push(op.getDq());
    p.dk = p.push(op.getDk());
    p.dv = p.push(op.getDv());
    p.delta = p.push(delta);
    p.dqAccum = p.push(dqAccum);
    p.cuQ = p.push(op.getCuSeqlensQ());
    p.cuK = p.push(op.getCuSeqlensK());
    p.seed = p.push(op.getSeed());
    p.offset = p.push(op.getOffset());

    KernelEmitter emitter(module, symbols, p,
                          kernelBaseName(op, "attention_grad"), op.getLoc());
    func::FuncOp deltaKernel = emitter.deltaKernel();
    func::FuncOp dkdvKernel = emitter.dkdvKernel();
    func::FuncOp dqKernel =
        p.atomicDq ? emitter.dqConvertKernel() : emitter.dqKernel();

    Value maxSeqlenQ = p.varlen ? op.getMaxSeqlenQ() : kb.dim(op.getQ(), 1);
    Value maxSeqlenK = p.varlen ? op.getMaxSeqlenK() : kb.dim(op.getK(), 1);
    SmallVector<Value> rowGrid =
        grid(kb, p, maxSeqlenQ, op.getQ(), p.rowBlock());
    launch(kb, deltaKernel, rowGrid, p.args, "q", p.rowBlock(), "q", 0);
    launch(kb, dkdvKernel, grid(kb, p, maxSeqlenK, op.getK(), blockN), p.args,
           "k", blockN, "k", 1);
    // The dQ kernel takes block-m rows, the conversion the per-row block.
    int64_t dqBlock = p.atomicDq ? p.rowBlock() : blockM;
    launch(kb, dqKernel,
           dqBlock == p.rowBlock()
               ? rowGrid
               : grid(kb, p, maxSeqlenQ, op.getQ(), dqBlock),
           p.args, "q", dqBlock, "q", 2);
  }
};

} // namespace
