//===- Tensor.cpp - Element types and strided tensor views ------------------===//

#include "flash/Runtime/Tensor.h"

#include <cmath>
#include <cstring>

namespace flash {

const char *dtypeName(DType dtype) {
  switch (dtype) {
  case DType::F16:
    return "fp16";
  case DType::BF16:
    return "bf16";
  case DType::F32:
    return "f32";
  case DType::I32:
    return "i32";
  }
  return "?";
}

int64_t dtypeSize(DType dtype) {
  return dtype == DType::F16 || dtype == DType::BF16 ? 2 : 4;
}

int64_t TensorRef::numElements() const {
  int64_t count = 1;
  for (int64_t extent : shape)
    count *= extent;
  return count;
}

std::vector<int64_t> contiguousStrides(const std::vector<int64_t> &shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

static uint32_t floatBits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

static float bitsToFloat(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

uint16_t floatToBFloat16(float value) {
  uint32_t bits = floatBits(value);
  if (std::isnan(value))
    return static_cast<uint16_t>((bits >> 16) | 0x40);
  uint32_t roundingBias = 0x7FFF + ((bits >> 16) & 1);
  return static_cast<uint16_t>((bits + roundingBias) >> 16);
}

float bfloat16ToFloat(uint16_t bits) {
  return bitsToFloat(static_cast<uint32_t>(bits) << 16);
}

uint16_t floatToHalf(float value) {
  uint32_t bits = floatBits(value);
  uint32_t sign = (bits >> 16) & 0x8000;
  uint32_t magnitude = bits & 0x7FFFFFFF;
  if (magnitude > 0x7F800000) // NaN
    return static_cast<uint16_t>(sign | 0x7E00);
  if (magnitude >= 0x477FF000) // rounds to infinity (>= 65520)
    return static_cast<uint16_t>(sign | 0x7C00);
  if (magnitude < 0x38800000) { // subnormal half (or zero)
    // Scale into the subnormal range and let the FPU round to nearest even.
    float scaled = bitsToFloat(magnitude) * 16777216.0f; // 2^24
    return static_cast<uint16_t>(sign | static_cast<uint32_t>(std::nearbyint(scaled)));
  }
  uint32_t mantissaOdd = (magnitude >> 13) & 1;
  magnitude += 0xC8000FFF + mantissaOdd; // rebias exponent (-112 << 23), round
  return static_cast<uint16_t>(sign | (magnitude >> 13));
}

float halfToFloat(uint16_t bits) {
  uint32_t sign = static_cast<uint32_t>(bits & 0x8000) << 16;
  uint32_t exponent = (bits >> 10) & 0x1F;
  uint32_t mantissa = bits & 0x3FF;
  if (exponent == 0) // zero or subnormal: mantissa * 2^-24
    return bitsToFloat(sign) + (sign ? -1.0f : 1.0f) *
                                   static_cast<float>(mantissa) * 5.9604645e-8f;
  if (exponent == 31)
    return bitsToFloat(sign | 0x7F800000 | (mantissa << 13));
  return bitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

float loadAsFloat(const void *data, DType dtype, int64_t index) {
  switch (dtype) {
  case DType::F16:
    return halfToFloat(static_cast<const uint16_t *>(data)[index]);
  case DType::BF16:
    return bfloat16ToFloat(static_cast<const uint16_t *>(data)[index]);
  case DType::F32:
    return static_cast<const float *>(data)[index];
  case DType::I32:
    return static_cast<float>(static_cast<const int32_t *>(data)[index]);
  }
  return 0.0f;
}

void storeFromFloat(void *data, DType dtype, int64_t index, float value) {
  switch (dtype) {
  case DType::F16:
    static_cast<uint16_t *>(data)[index] = floatToHalf(value);
    return;
  case DType::BF16:
    static_cast<uint16_t *>(data)[index] = floatToBFloat16(value);
    return;
  case DType::F32:
    static_cast<float *>(data)[index] = value;
    return;
  case DType::I32:
    static_cast<int32_t *>(data)[index] = static_cast<int32_t>(value);
    return;
  }
}

} // namespace flash
