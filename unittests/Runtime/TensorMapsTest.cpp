//===- TensorMapsTest.cpp - TMA tensor map shapes of a call's tensors -----===//

#include "TensorMaps.h"

#include "gtest/gtest.h"

namespace flash {
namespace {

TensorRef tensor(DType dtype, std::vector<int64_t> shape,
                 std::vector<int64_t> strides) {
  TensorRef t;
  t.dtype = dtype;
  t.shape = std::move(shape);
  t.strides = std::move(strides);
  t.data = reinterpret_cast<void *>(uintptr_t(0x10000));
  return t;
}

TEST(TensorMaps, SizesAndByteStridesInnermostFirstWithTheTilesBox) {
  // [batch, seqlen, heads, head_dim] with padded rows: strides in elements.
  TensorRef k = tensor(DType::BF16, {2, 1000, 8, 128}, {1000 * 8 * 136, 8 * 136, 136, 1});
  std::optional<CudaTensorMapShape> shape;
  Status status = tensorMapShape(k, TensorMapDescription{1, 128, 1}, shape);
  ASSERT_TRUE(status) << status.message();
  ASSERT_TRUE(shape.has_value());
  EXPECT_TRUE(shape->bf16);
  EXPECT_EQ(shape->base, k.data);
  EXPECT_EQ(shape->sizes, (std::vector<uint64_t>{128, 8, 1000, 2}));
  EXPECT_EQ(shape->byteStrides,
            (std::vector<uint64_t>{136 * 2, 8 * 136 * 2, 1000 * 8 * 136 * 2}));
  EXPECT_EQ(shape->box, (std::vector<uint32_t>{64, 1, 128, 1}));

  // fp16, rows along axis 0 of a matrix.
  TensorRef m = tensor(DType::F16, {300, 64}, {64, 1});
  status = tensorMapShape(m, TensorMapDescription{0, 64, 0}, shape);
  ASSERT_TRUE(status) << status.message();
  ASSERT_TRUE(shape.has_value());
  EXPECT_FALSE(shape->bf16);
  EXPECT_EQ(shape->sizes, (std::vector<uint64_t>{64, 300}));
  EXPECT_EQ(shape->byteStrides, (std::vector<uint64_t>{128}));
  EXPECT_EQ(shape->box, (std::vector<uint32_t>{64, 64}));
}

TEST(TensorMaps, AnEmptyTensorGetsNoShapeAndBadMapsAnError) {
  std::optional<CudaTensorMapShape> shape;
  TensorRef empty = tensor(DType::BF16, {2, 0, 8, 64}, {0, 512, 64, 1});
  ASSERT_TRUE(tensorMapShape(empty, TensorMapDescription{1, 64, 1}, shape));
  EXPECT_FALSE(shape.has_value());

  TensorRef lse = tensor(DType::F32, {2, 8, 100}, {800, 100, 1});
  Status status = tensorMapShape(lse, TensorMapDescription{5, 64, 1}, shape);
  ASSERT_FALSE(status);
  EXPECT_NE(status.message().find("kernel argument 5 is no 16-bit tensor"),
            std::string::npos)
      << status.message();

  TensorRef k = tensor(DType::BF16, {2, 100, 8, 64}, {51200, 512, 64, 1});
  status = tensorMapShape(k, TensorMapDescription{1, 64, 3}, shape);
  ASSERT_FALSE(status);
  EXPECT_NE(status.message().find("rows lie along axis 3 of a rank-4 tensor"),
            std::string::npos)
      << status.message();
}

} // namespace
} // namespace flash
