//===- ProblemBuilderTest.cpp - Building problem-level IR from C++ ---------===//
//
// The runtime builds flash.attention from a problem description; these tests
// build it through the C++ API and check that the verifier accepts exactly
// the well-formed problems and that the derived properties are right.
//
//===----------------------------------------------------------------------===//

#include "flash/Dialect/Flash/IR/FlashOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"

#include "gtest/gtest.h"

#include <cmath>

using namespace mlir;

namespace {

struct Shape {
  int64_t batch, seqQ, seqK, heads, kvHeads, headDim;
};

class ProblemBuilderTest : public ::testing::Test {
protected:
  ProblemBuilderTest() : builder(&context) {
    context.loadDialect<flash::FlashDialect, func::FuncDialect>();
    // Keep verifier diagnostics for the assertions instead of printing them.
    handler = std::make_unique<ScopedDiagnosticHandler>(
        &context, [this](Diagnostic &diag) {
          messages.push_back(diag.str());
          return success();
        });
  }

  /// Builds `func @f(q, k, v, out, lse) { flash.attention ... }`.
  OwningOpRef<ModuleOp> buildForward(const Shape &s, Type elementType,
                                     float dropout, std::optional<float> scale) {
    Location loc = builder.getUnknownLoc();
    auto q = MemRefType::get({s.batch, s.seqQ, s.heads, s.headDim}, elementType);
    auto kv =
        MemRefType::get({s.batch, s.seqK, s.kvHeads, s.headDim}, elementType);
    auto lse = MemRefType::get({s.batch, s.heads, s.seqQ}, builder.getF32Type());
    SmallVector<Type> args = {q, kv, kv, q, lse};
    if (dropout > 0) {
      args.push_back(builder.getI64Type());
      args.push_back(builder.getI64Type());
    }
    OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
    builder.setInsertionPointToEnd(module->getBody());
    auto func = func::FuncOp::create(builder, loc, "f",
                                     builder.getFunctionType(args, {}));
    Block *body = func.addEntryBlock();
    builder.setInsertionPointToEnd(body);
    Value seed, offset;
    if (dropout > 0) {
      seed = body->getArgument(5);
      offset = body->getArgument(6);
    }
    flash::AttentionOp::create(
        builder, loc, body->getArgument(0), body->getArgument(1),
        body->getArgument(2), body->getArgument(3), body->getArgument(4),
        /*cu_seqlens_q=*/Value(), /*cu_seqlens_k=*/Value(),
        /*max_seqlen_q=*/Value(), /*max_seqlen_k=*/Value(), seed, offset,
        scale ? builder.getF32FloatAttr(*scale) : FloatAttr(),
        /*causal=*/true, llvm::APFloat(dropout));
    func::ReturnOp::create(builder, loc);
    return module;
  }

  flash::AttentionOp findAttention(ModuleOp module) {
    flash::AttentionOp found;
    module.walk([&](flash::AttentionOp op) { found = op; });
    return found;
  }

  MLIRContext context;
  OpBuilder builder;
  std::unique_ptr<ScopedDiagnosticHandler> handler;
  std::vector<std::string> messages;
};

TEST_F(ProblemBuilderTest, WellFormedProblemsVerify) {
  for (Type type : {Type(builder.getBF16Type()), Type(builder.getF16Type())})
    for (int64_t headDim : {32, 64, 96, 128, 256}) {
      OwningOpRef<ModuleOp> module = buildForward(
          {2, 100, 300, 8, 2, headDim}, type, 0.1f, std::nullopt);
      EXPECT_TRUE(succeeded(verify(*module))) << messages.back();
    }
}

TEST_F(ProblemBuilderTest, DefaultScaleIsInverseSqrtHeadDim) {
  OwningOpRef<ModuleOp> module = buildForward(
      {1, 64, 64, 4, 4, 96}, builder.getBF16Type(), 0.0f, std::nullopt);
  ASSERT_TRUE(succeeded(verify(*module)));
  EXPECT_FLOAT_EQ(findAttention(*module).getEffectiveScale(),
                  1.0f / std::sqrt(96.0f));

  OwningOpRef<ModuleOp> explicitScale =
      buildForward({1, 64, 64, 4, 4, 96}, builder.getBF16Type(), 0.0f, 0.5f);
  EXPECT_FLOAT_EQ(findAttention(*explicitScale).getEffectiveScale(), 0.5f);
}

TEST_F(ProblemBuilderTest, GroupedHeadsMustDivide) {
  OwningOpRef<ModuleOp> module = buildForward(
      {1, 64, 64, 6, 4, 64}, builder.getBF16Type(), 0.0f, std::nullopt);
  EXPECT_TRUE(failed(verify(*module)));
  ASSERT_FALSE(messages.empty());
  EXPECT_NE(messages.back().find("multiple of the number of key/value heads"),
            std::string::npos)
      << messages.back();
}

TEST_F(ProblemBuilderTest, DropoutOutOfRangeIsRejected) {
  for (float p : {1.0f, 1.5f, -0.25f}) {
    messages.clear();
    OwningOpRef<ModuleOp> module = buildForward(
        {1, 64, 64, 4, 4, 64}, builder.getBF16Type(), p, std::nullopt);
    EXPECT_TRUE(failed(verify(*module))) << "p = " << p;
    ASSERT_FALSE(messages.empty());
    EXPECT_NE(messages.back().find("dropout_p"), std::string::npos)
        << messages.back();
  }
}

TEST_F(ProblemBuilderTest, F32InputsAreRejected) {
  OwningOpRef<ModuleOp> module = buildForward(
      {1, 64, 64, 4, 4, 64}, builder.getF32Type(), 0.0f, std::nullopt);
  EXPECT_TRUE(failed(verify(*module)));
  ASSERT_FALSE(messages.empty());
  EXPECT_NE(messages.back().find("f16 or bf16"), std::string::npos);
}

TEST_F(ProblemBuilderTest, PrintedFormParsesBackIdentically) {
  OwningOpRef<ModuleOp> module = buildForward(
      {2, 128, 256, 8, 2, 128}, builder.getBF16Type(), 0.2f, 0.1f);
  std::string first;
  llvm::raw_string_ostream(first) << *module;
  OwningOpRef<ModuleOp> reparsed = parseSourceString<ModuleOp>(first, &context);
  ASSERT_TRUE(reparsed) << first;
  std::string second;
  llvm::raw_string_ostream(second) << *reparsed;
  EXPECT_EQ(first, second);
  EXPECT_NE(first.find("dropout_rng("), std::string::npos) << first;
}

} // namespace
