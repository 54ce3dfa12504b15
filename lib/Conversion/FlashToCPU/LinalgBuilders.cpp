//===- LinalgBuilders.cpp - linalg.generic helpers for the CPU lowering ----===//

#include "LinalgBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace mlir::flash::cpu {

static AffineMap inputMap(MLIRContext *context, unsigned loopRank,
                          Value input, bool vectorsPerColumn) {
  unsigned rank = cast<RankedTensorType>(input.getType()).getRank();
  if (rank == loopRank)
    return AffineMap::getMultiDimIdentityMap(loopRank, context);
  // A per-row vector: (i, j) -> (i); a per-column one: (i, j) -> (j).
  return AffineMap::get(loopRank, 0,
                        getAffineDimExpr(vectorsPerColumn ? 1 : 0, context),
                        context);
}

static Value buildGeneric(OpBuilder &b, Location loc, ValueRange inputs,
                          Value init, AffineMap initMap, unsigned loopRank,
                          ArrayRef<utils::IteratorType> iterators,
                          BodyBuilder body, bool vectorsPerColumn = false) {
  MLIRContext *context = b.getContext();
  SmallVector<AffineMap> maps;
  for (Value input : inputs)
    maps.push_back(inputMap(context, loopRank, input, vectorsPerColumn));
  maps.push_back(initMap);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
      iterators, [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        linalg::YieldOp::create(nested, nestedLoc,
                                body(nested, nestedLoc, args));
      });
  return generic.getResult(0);
}

Value mapTile(OpBuilder &b, Location loc, RankedTensorType resultType,
              ValueRange inputs, BodyBuilder body, bool vectorsPerColumn) {
  unsigned rank = resultType.getRank();
  Value init = tensor::EmptyOp::create(b, loc, resultType.getShape(),
                                       resultType.getElementType());
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  return buildGeneric(
      b, loc, inputs, init,
      AffineMap::getMultiDimIdentityMap(rank, b.getContext()), rank, iterators,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        // The output's current element is not an input of a map.
        return body(nested, nestedLoc, args.drop_back());
      },
      vectorsPerColumn);
}

Value reduceRows(OpBuilder &b, Location loc, ValueRange inputs, Value init,
                 BodyBuilder body) {
  MLIRContext *context = b.getContext();
  AffineMap rowMap = AffineMap::get(2, 0, getAffineDimExpr(0, context),
                                    context);
  return buildGeneric(
      b, loc, inputs, init, rowMap, 2,
      {utils::IteratorType::parallel, utils::IteratorType::reduction}, body);
}

std::pair<Value, Value> queryAndKey(OpBuilder &b, Location loc, Value row,
                                    Value col, bool transposed) {
  unsigned queryDim = transposed ? 1 : 0;
  Value query = arith::AddIOp::create(b, loc, row,
                                      linalg::IndexOp::create(b, loc, queryDim));
  Value key = arith::AddIOp::create(
      b, loc, col, linalg::IndexOp::create(b, loc, 1 - queryDim));
  return {query, key};
}

Value f32Constant(OpBuilder &b, Location loc, double value) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(value));
}

Value toF32(OpBuilder &b, Location loc, Value value) {
  if (value.getType().isF32())
    return value;
  return arith::ExtFOp::create(b, loc, b.getF32Type(), value);
}

} // namespace mlir::flash::cpu
