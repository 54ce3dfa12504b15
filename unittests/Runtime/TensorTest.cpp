//===- TensorTest.cpp - Half and bfloat16 conversions -----------------------===//

#include "flash/Runtime/Tensor.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <limits>

using namespace flash;

namespace {

TEST(HalfFloat, EveryHalfRoundTripsThroughFloat) {
  for (uint32_t bits = 0; bits < 0x10000; ++bits) {
    float value = halfToFloat(static_cast<uint16_t>(bits));
    if (std::isnan(value))
      continue;
    EXPECT_EQ(floatToHalf(value), bits) << std::hex << bits;
  }
}

TEST(HalfFloat, RoundsToNearestEven) {
  EXPECT_EQ(floatToHalf(1.0f), 0x3C00);
  EXPECT_EQ(floatToHalf(65504.0f), 0x7BFF);
  EXPECT_EQ(floatToHalf(65520.0f), 0x7C00);          // rounds to infinity
  EXPECT_EQ(floatToHalf(1.0f + 1.0f / 2048), 0x3C00); // tie goes to even
  EXPECT_EQ(floatToHalf(1.0f + 3.0f / 2048), 0x3C02); // tie goes to even
  EXPECT_EQ(floatToHalf(5.9604645e-8f), 0x0001);      // smallest subnormal
  EXPECT_EQ(floatToHalf(-0.0f), 0x8000);
  EXPECT_TRUE(std::isnan(halfToFloat(floatToHalf(std::nanf("")))));
}

TEST(BFloat16, EveryBFloat16RoundTripsThroughFloat) {
  for (uint32_t bits = 0; bits < 0x10000; ++bits) {
    float value = bfloat16ToFloat(static_cast<uint16_t>(bits));
    if (std::isnan(value))
      continue;
    EXPECT_EQ(floatToBFloat16(value), bits) << std::hex << bits;
  }
}

TEST(BFloat16, RoundsToNearestEven) {
  EXPECT_EQ(floatToBFloat16(1.0f), 0x3F80);
  float tie;
  uint32_t tieBits = 0x3F808000; // halfway between 0x3F80 and 0x3F81
  std::memcpy(&tie, &tieBits, 4);
  EXPECT_EQ(floatToBFloat16(tie), 0x3F80);
  tieBits = 0x3F818000; // halfway between 0x3F81 and 0x3F82
  std::memcpy(&tie, &tieBits, 4);
  EXPECT_EQ(floatToBFloat16(tie), 0x3F82);
  EXPECT_TRUE(std::isnan(bfloat16ToFloat(floatToBFloat16(std::nanf("")))));
}

TEST(TensorRef, ContiguousStrides) {
  EXPECT_EQ(contiguousStrides({2, 3, 4, 5}), (std::vector<int64_t>{60, 20, 5, 1}));
  EXPECT_EQ(contiguousStrides({7}), (std::vector<int64_t>{1}));
}

} // namespace
