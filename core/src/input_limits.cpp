#include "rgbdsod/core/input_limits.h"

#include <atomic>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <system_error>

#include <spdlog/spdlog.h>

#include "rgbdsod/core/errors.h"

namespace fs = std::filesystem;

namespace rgbdsod::core {
namespace {

// The value of environment variable `name` when it is a positive decimal integer, otherwise
// `fallback` (an unusable value is warned about once per variable, not once per file).
std::uint64_t fromEnvironment(const char* name, std::uint64_t fallback, std::atomic<bool>& warned) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  const std::string_view s(text);
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec == std::errc() && end == s.data() + s.size() && value > 0) return value;
  if (!warned.exchange(true))
    spdlog::warn("{}={}: not a positive integer; using the default limit {}", name, s, fallback);
  return fallback;
}

// Human-readable byte counts for the messages ("64 MiB" rather than 67108864 alone).
std::string bytesText(std::uint64_t n) {
  if (n >= (std::uint64_t{1} << 20) && n % (std::uint64_t{1} << 20) == 0) return std::to_string(n >> 20) + " MiB";
  if (n >= 1024 && n % 1024 == 0) return std::to_string(n >> 10) + " KiB";
  return std::to_string(n) + " bytes";
}

void checkJsonSize(std::uint64_t size, const fs::path& origin) {
  const std::uint64_t limit = maxJsonBytes();
  if (size > limit)
    throw FileError(origin, "JSON of " + std::to_string(size) + " bytes exceeds the limit of " + bytesText(limit) +
                                " (set RGBDSOD_MAX_JSON_BYTES to raise it)");
}

// nlohmann::json parses iteratively, but dumping, comparing and copying a value recurse, so a
// document nested 100000 deep would overflow the stack later. Counting brackets outside strings
// finds the depth in one pass without recursion; malformed text is left for the parser to report.
void checkJsonDepth(std::string_view text, const fs::path& origin) {
  const std::uint64_t limit = maxJsonDepth();
  std::uint64_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit)
        throw FileError(origin, "JSON nested deeper than the limit of " + std::to_string(limit) +
                                    " levels at byte " + std::to_string(i) +
                                    " (set RGBDSOD_MAX_JSON_DEPTH to raise it)");
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
}

}  // namespace

std::uint64_t maxImagePixels() {
  static std::atomic<bool> warned{false};
  return fromEnvironment("RGBDSOD_MAX_IMAGE_PIXELS", kDefaultMaxImagePixels, warned);
}

std::uint64_t maxImageFileBytes() {
  static std::atomic<bool> warned{false};
  return fromEnvironment("RGBDSOD_MAX_IMAGE_FILE_BYTES", kDefaultMaxImageFileBytes, warned);
}

std::uint64_t maxJsonBytes() {
  static std::atomic<bool> warned{false};
  return fromEnvironment("RGBDSOD_MAX_JSON_BYTES", kDefaultMaxJsonBytes, warned);
}

std::uint64_t maxJsonDepth() {
  static std::atomic<bool> warned{false};
  return fromEnvironment("RGBDSOD_MAX_JSON_DEPTH", kDefaultMaxJsonDepth, warned);
}

void checkJsonText(std::string_view text, const fs::path& origin) {
  checkJsonSize(text.size(), origin);
  checkJsonDepth(text, origin);
}

std::string readJsonFile(const fs::path& file) {
  std::error_code ec;
  // The size is checked before a byte is read; a FIFO or a file still growing is bounded by
  // reading at most one byte past the limit.
  const std::uintmax_t size = fs::file_size(file, ec);
  if (!ec) checkJsonSize(size, file);
  std::ifstream in(file, std::ios::binary);
  if (!in) throw FileError(file, "cannot open the file");
  const std::uint64_t limit = maxJsonBytes();
  std::string text;
  char chunk[1 << 16];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
    text.append(chunk, static_cast<std::size_t>(in.gcount()));
    if (text.size() > limit) checkJsonSize(text.size(), file);
  }
  if (in.bad()) throw FileError(file, "read error");
  checkJsonDepth(text, file);
  return text;
}

}  // namespace rgbdsod::core
