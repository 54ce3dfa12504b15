//===- TensorMaps.cpp - TMA tensor maps of a call's tensors ----------------===//

#include "TensorMaps.h"

#include <algorithm>

namespace flash {

Status tensorMapShape(const TensorRef &t, const TensorMapDescription &map,
                      std::optional<CudaTensorMapShape> &shape) {
  shape.reset();
  if (t.dtype != DType::BF16 && t.dtype != DType::F16)
    return Status::error("kernel argument " + std::to_string(map.arg) +
                         " is no 16-bit tensor to build a TMA tensor map of");
  int64_t rank = static_cast<int64_t>(t.shape.size());
  if (map.along < 0 || map.along >= rank - 1)
    return Status::error("a TMA tensor map's rows lie along axis " +
                         std::to_string(map.along) + " of a rank-" +
                         std::to_string(rank) + " tensor");
  if (std::find(t.shape.begin(), t.shape.end(), 0) != t.shape.end())
    return Status::success();
  CudaTensorMapShape result;
  result.bf16 = t.dtype == DType::BF16;
  result.base = t.data;
  for (int64_t axis = rank - 1; axis >= 0; --axis) {
    result.sizes.push_back(static_cast<uint64_t>(t.shape[axis]));
    if (axis != rank - 1)
      result.byteStrides.push_back(static_cast<uint64_t>(t.strides[axis]) * 2);
    result.box.push_back(axis == rank - 1      ? 64
                         : axis == map.along ? static_cast<uint32_t>(map.boxRows)
                                             : 1);
  }
  shape = std::move(result);
  return Status::success();
}

} // namespace flash
