//===- TensorMaps.h - TMA tensor maps of a call's tensors -------*- C++ -*-===//
//
// What the driver's cuTensorMapEncodeTiled needs for a kernel's tensor map
// (TensorMapDescription, from the kernel's flash.tensor_maps) over one of
// the call's tensors: sizes and byte strides innermost first, and the box
// the TMA copies (64 columns of the last axis, `boxRows` rows along
// `along`, one element along the other axes).
//
//===----------------------------------------------------------------------===//

#ifndef FLASH_LIB_RUNTIME_TENSORMAPS_H
#define FLASH_LIB_RUNTIME_TENSORMAPS_H

#include "CudaKernelCache.h"

#include "flash/Runtime/CudaDriver.h"
#include "flash/Runtime/Tensor.h"

#include <optional>

namespace flash {

/// The tensor map's shape over `t`, or nothing for a tensor with an empty
/// axis (its kernels read no tile of it: a zeroed map is passed). An error
/// when `t` is no 16-bit tensor or the rows' axis is not one of its outer
/// axes.
Status tensorMapShape(const TensorRef &t, const TensorMapDescription &map,
                      std::optional<CudaTensorMapShape> &shape);

} // namespace flash

#endif // FLASH_LIB_RUNTIME_TENSORMAPS_H
