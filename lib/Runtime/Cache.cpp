//===- Cache.cpp - On-disk caches of compiled kernels and tuned tiles -------===//

#include "flash/Runtime/Cache.h"

#include "CompilerDigest.inc" // generated: FLASH_COMPILER_DIGEST

#include "llvm/Config/llvm-config.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <set>

namespace flash {

std::string cacheDirectory() {
  if (const char *dir = std::getenv("FLASH_CACHE_DIR"); dir && *dir)
    return dir;
  llvm::SmallString<256> path;
  if (const char *xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) {
    path = xdg;
  } else if (const char *home = std::getenv("HOME"); home && *home) {
    path = home;
    llvm::sys::path::append(path, ".cache");
  } else {
    llvm::sys::path::system_temp_directory(/*ErasedOnReboot=*/false, path);
  }
  llvm::sys::path::append(path, "flashmlir");
  return std::string(path);
}

std::string compilerVersion() {
#ifndef FLASH_VERSION
#define FLASH_VERSION "unknown"
#endif
  return std::string("flashmlir-") + FLASH_VERSION + "-" +
         FLASH_COMPILER_DIGEST + "-llvm-" LLVM_VERSION_STRING;
}

std::string digest(const std::string &text) {
  std::array<uint8_t, 32> hash = llvm::SHA256::hash(
      llvm::ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(text.data()),
                              text.size()));
  std::string hex;
  llvm::raw_string_ostream os(hex);
  for (size_t i = 0; i < 16; ++i) // 128 bits are plenty for a cache key
    os << llvm::format_hex_no_prefix(hash[i], 2);
  return hex;
}

Status writeFileAtomically(const std::string &path, const std::string &bytes) {
  llvm::StringRef dir = llvm::sys::path::parent_path(path);
  if (std::error_code error = llvm::sys::fs::create_directories(dir))
    return Status::error("cannot create " + dir.str() + ": " + error.message());
  llvm::SmallString<256> temporary;
  int fd = -1;
  if (std::error_code error = llvm::sys::fs::createUniqueFile(
          path + ".tmp-%%%%%%%%", fd, temporary))
    return Status::error("cannot write in " + dir.str() + ": " + error.message());
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os << bytes;
    os.flush();
    if (os.has_error()) {
      os.clear_error();
      llvm::sys::fs::remove(temporary);
      return Status::error("cannot write " + std::string(temporary));
    }
  }
  // rename() replaces the entry atomically: readers see the old or the new
  // file, never a partial one.
  if (std::error_code error = llvm::sys::fs::rename(temporary, path)) {
    llvm::sys::fs::remove(temporary);
    return Status::error("cannot replace " + path + ": " + error.message());
  }
  return Status::success();
}

std::optional<std::string> readFile(const std::string &path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return std::nullopt;
  return (*buffer)->getBuffer().str();
}

void reportCacheProblem(const std::string &path, const std::string &problem) {
  static std::mutex mutex;
  static std::set<std::string> reported;
  std::lock_guard<std::mutex> lock(mutex);
  if (reported.insert(path).second)
    std::fprintf(stderr, "flashmlir: cache file %s %s; rebuilding it\n",
                 path.c_str(), problem.c_str());
}

std::string KernelCache::pathOf(const std::string &key) const {
  llvm::SmallString<256> path(cacheDirectory());
  llvm::sys::path::append(path, "kernels", key);
  return std::string(path);
}

std::optional<std::string> KernelCache::lookup(const std::string &key) const {
  return readFile(pathOf(key));
}

Status KernelCache::store(const std::string &key, const std::string &blob) const {
  return writeFileAtomically(pathOf(key), blob);
}

void KernelCache::discard(const std::string &key, const std::string &problem) const {
  reportCacheProblem(pathOf(key), problem);
  llvm::sys::fs::remove(pathOf(key));
}

} // namespace flash
