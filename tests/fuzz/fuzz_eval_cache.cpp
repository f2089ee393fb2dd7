// The evaluation cache reader (core::fromCacheJson): a cache file may be shared or copied, so any
// text must give an evaluation or an exception the caller turns into "ignoring corrupt file"
// (EvalCache::load catches std::exception); memory errors and undefined behaviour are what this
// target looks for, under ASan and UBSan.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>

#include "rgbdsod/core/eval_cache.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    std::string key;
    (void)rgbdsod::core::fromCacheJson(text, "/gt", "/pred", &key);
  } catch (const std::exception&) {
    // refused: the cache evaluates again
  }
  return 0;
}
