//===- Tensor.h - Element types and strided tensor views --------*- C++ -*-===//
//
// What the runtime passes around: a pointer to host or device memory with
// its element type, shape and strides (in elements), as DLPack describes a
// tensor. The runtime never owns this memory.
//
//===----------------------------------------------------------------------===//

#ifndef FLASH_RUNTIME_TENSOR_H
#define FLASH_RUNTIME_TENSOR_H

#include <cstdint>
#include <string>
#include <vector>

namespace flash {

enum class DType { F16, BF16, F32, I32 };

/// `fp16`, `bf16`, `f32`, `i32`.
const char *dtypeName(DType dtype);
/// Bytes per element.
int64_t dtypeSize(DType dtype);

/// A strided view of memory the caller owns.
struct TensorRef {
  void *data = nullptr;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  std::vector<int64_t> strides; // in elements

  int64_t rank() const { return static_cast<int64_t>(shape.size()); }
  int64_t numElements() const;
  bool empty() const { return data == nullptr && shape.empty(); }
};

/// Row-major (contiguous) strides of a shape.
std::vector<int64_t> contiguousStrides(const std::vector<int64_t> &shape);

/// IEEE binary16 and bfloat16 conversions, rounding to nearest even.
uint16_t floatToHalf(float value);
float halfToFloat(uint16_t bits);
uint16_t floatToBFloat16(float value);
float bfloat16ToFloat(uint16_t bits);

/// Reads element `index` (a linear position in the strided layout, not a
/// logical index) of a 16/32-bit float buffer as float, and writes one.
float loadAsFloat(const void *data, DType dtype, int64_t index);
void storeFromFloat(void *data, DType dtype, int64_t index, float value);

} // namespace flash

#endif // FLASH_RUNTIME_TENSOR_H
