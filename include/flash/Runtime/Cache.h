//===- Cache.h - On-disk caches of compiled kernels and tuned tiles -*- C++ -*-===//
//
// The runtime keeps two caches in the user's cache directory (FLASH_CACHE_DIR,
// else $XDG_CACHE_HOME/flashmlir, else ~/.cache/flashmlir):
//   kernels/<key>   compiled kernels, keyed by a hash of the problem IR, the
//                   compilation options, the LLVM and FlashMLIR versions and
//                   the device, so that a later process skips compilation;
//   autotune.json   the tile configuration chosen for each problem class on
//                   each device, by compiler version.
// Writes are atomic (a temporary file renamed into place); an unreadable or
// corrupted entry is reported once and rebuilt, never fatal.
//
//===----------------------------------------------------------------------===//

#ifndef FLASH_RUNTIME_CACHE_H
#define FLASH_RUNTIME_CACHE_H

#include "flash/Runtime/Attention.h"

#include <optional>
#include <string>

namespace flash {

/// The cache directory (created on first write).
std::string cacheDirectory();

/// FlashMLIR's version, a digest of its compiler's sources and LLVM's
/// version: part of every cache key, so that a rebuilt compiler does not
/// load what an older one cached.
std::string compilerVersion();

/// A hex digest of `text`, for cache keys.
std::string digest(const std::string &text);

/// Writes `bytes` to `path` atomically, creating directories as needed.
Status writeFileAtomically(const std::string &path, const std::string &bytes);
/// The file's contents, or nothing when it does not exist or cannot be read.
std::optional<std::string> readFile(const std::string &path);

/// Reports a problem with a cache file once per process and path (stderr).
void reportCacheProblem(const std::string &path, const std::string &problem);

/// Compiled kernels on disk: an entry is an opaque blob its backend writes
/// and reads back (and may find corrupted: then it removes it).
class KernelCache {
public:
  /// The blob stored under `key`, if any.
  std::optional<std::string> lookup(const std::string &key) const;
  Status store(const std::string &key, const std::string &blob) const;
  /// Removes an entry found unusable, reporting it once.
  void discard(const std::string &key, const std::string &problem) const;
  std::string pathOf(const std::string &key) const;
};

} // namespace flash

#endif // FLASH_RUNTIME_CACHE_H
