#pragma once
// Helpers shared by the test binaries: the shared real-data folder and temporary folders.
#include <filesystem>
#include <optional>
#include <string>

#include <gtest/gtest.h>

namespace rgbdsod::test {

// ../shared/data beside the checkout (or $RGBDSOD_SHARED_DATA). A user's clone has no
// ../shared, so tests that need it skip with a message saying so.
std::optional<std::filesystem::path> sharedDataDir();

// A fresh folder under the system temp dir, removed (with its content) on destruction.
class TempDir {
 public:
  explicit TempDir(const std::string& tag = "rgbdsod-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& child) const { return path_ / child; }

 private:
  std::filesystem::path path_;
};

// Writes bytes to a file, creating parent folders.
void writeBytes(const std::filesystem::path& file, const std::string& bytes);

// A loopback port nobody listens on now (the kernel's pick for port 0), for tests that start
// processes which must meet at a port (data-parallel ranks). 29500 when none could be had.
int freeLoopbackPort();

}  // namespace rgbdsod::test

// Skips the current test when ../shared/data is absent; binds `var` to the folder otherwise.
#define RGBDSOD_REQUIRE_SHARED_DATA(var)                                                   \
  const auto var##_opt = ::rgbdsod::test::sharedDataDir();                                 \
  if (!var##_opt) {                                                                        \
    GTEST_SKIP() << "../shared/data is not present (it exists only beside the project's "  \
                    "own checkout); skipping the test on real RGB-D files";                \
  }                                                                                        \
  const std::filesystem::path var = *var##_opt
