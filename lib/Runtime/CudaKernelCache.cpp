//===- CudaKernelCache.cpp - Compiled GPU kernels on disk -------------------===//

#include "CudaKernelCache.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

namespace flash {

std::string serializeKernels(const CachedKernels &entry) {
  llvm::json::Array kernels;
  for (const KernelDescription &k : entry.kernels) {
    llvm::json::Array maps;
    for (const TensorMapDescription &m : k.tensorMaps)
      maps.push_back(llvm::json::Array{m.arg, m.boxRows, m.along});
    kernels.push_back(llvm::json::Object{{"name", k.name},
                                         {"rows", k.rows},
                                         {"heads", k.heads},
                                         {"block", k.block},
                                         {"order", k.order},
                                         {"shared", k.sharedBytes},
                                         {"tensor_maps", std::move(maps)},
                                         {"threads", k.threads},
                                         {"persistent", k.persistent}});
  }
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::json::Value(llvm::json::Object{{"kernels", std::move(kernels)}})
     << "\n"
     << entry.image;
  return text;
}

std::optional<CachedKernels> deserializeKernels(const std::string &blob) {
  size_t newline = blob.find('\n');
  if (newline == std::string::npos)
    return std::nullopt;
  llvm::Expected<llvm::json::Value> header =
      llvm::json::parse(llvm::StringRef(blob).take_front(newline));
  if (!header) {
    llvm::consumeError(header.takeError());
    return std::nullopt;
  }
  const llvm::json::Object *root = header->getAsObject();
  const llvm::json::Array *kernels = root ? root->getArray("kernels") : nullptr;
  if (!kernels || kernels->empty())
    return std::nullopt;
  CachedKernels entry;
  for (const llvm::json::Value &value : *kernels) {
    const llvm::json::Object *k = value.getAsObject();
    if (!k)
      return std::nullopt;
    std::optional<llvm::StringRef> name = k->getString("name"),
                                   rows = k->getString("rows"),
                                   heads = k->getString("heads");
    std::optional<int64_t> block = k->getInteger("block"),
                           order = k->getInteger("order"),
                           shared = k->getInteger("shared");
    if (!name || !rows || !heads || !block || !order || !shared || *block <= 0 ||
        *shared < 0)
      return std::nullopt;
    KernelDescription kernel{name->str(), rows->str(), heads->str(),
                             *block,      *order,      *shared, {}};
    // Entries written before TMA copies have no tensor maps.
    if (const llvm::json::Array *maps = k->getArray("tensor_maps")) {
      for (const llvm::json::Value &map : *maps) {
        const llvm::json::Array *fields = map.getAsArray();
        if (!fields || fields->size() != 3)
          return std::nullopt;
        std::optional<int64_t> arg = (*fields)[0].getAsInteger(),
                               boxRows = (*fields)[1].getAsInteger(),
                               along = (*fields)[2].getAsInteger();
        if (!arg || !boxRows || !along || *arg < 0 || *boxRows <= 0 || *along < 0)
          return std::nullopt;
        kernel.tensorMaps.push_back({*arg, *boxRows, *along});
      }
    }
    if (std::optional<int64_t> threads = k->getInteger("threads")) {
      if (*threads < 0 || *threads > 1024)
        return std::nullopt;
      kernel.threads = *threads;
    }
    // Entries written before persistent kernels have no such field; any
    // other value would launch a persistent kernel over a grid it ignores.
    if (const llvm::json::Value *persistent = k->get("persistent")) {
      std::optional<bool> value = persistent->getAsBoolean();
      if (!value)
        return std::nullopt;
      kernel.persistent = *value;
    }
    entry.kernels.push_back(std::move(kernel));
  }
  entry.image = blob.substr(newline + 1);
  if (entry.image.empty())
    return std::nullopt;
  return entry;
}

} // namespace flash
