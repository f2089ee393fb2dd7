#pragma once
// Resource limits on the files rgbdsod reads (images, JSON), all in one place. Files come from
// anywhere (downloaded dataset copies, other people's prediction folders), so a 1 KB PNG whose
// header claims 100000x100000 pixels, a multi-gigabyte ".json" or one nested 10000 deep must be
// refused with an error naming the file and the limit before the memory is taken, not by the
// kernel's OOM killer.
//
// Limits and their defaults; each can be overridden by an environment variable holding a positive
// decimal integer (read on every check, so a test or a wrapper script may change it at any time):
//
//   RGBDSOD_MAX_IMAGE_PIXELS      width x height of one image       2^28 (268 M, e.g. 16384 x 16384)
//   RGBDSOD_MAX_IMAGE_FILE_BYTES  size of one image file             512 MiB
//   RGBDSOD_MAX_JSON_BYTES        size of one JSON file or text      64 MiB
//   RGBDSOD_MAX_JSON_DEPTH        nesting of arrays and objects      256
//
// An invalid value (not a positive integer) is warned about once and the default is used.
// The image dimensions are read from the header before decoding for PNG, JPEG, BMP, TIFF and
// PNM; any other content is left to OpenCV, whose own limit (OPENCV_IO_MAX_IMAGE_PIXELS,
// default 2^30) then applies.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace rgbdsod::core {

inline constexpr std::uint64_t kDefaultMaxImagePixels = std::uint64_t{1} << 28;
inline constexpr std::uint64_t kDefaultMaxImageFileBytes = std::uint64_t{512} << 20;
inline constexpr std::uint64_t kDefaultMaxJsonBytes = std::uint64_t{64} << 20;
inline constexpr std::uint64_t kDefaultMaxJsonDepth = 256;

// The limits in force now (defaults, or the environment's overrides).
std::uint64_t maxImagePixels();
std::uint64_t maxImageFileBytes();
std::uint64_t maxJsonBytes();
std::uint64_t maxJsonDepth();

// Reads a whole JSON file into a string, refusing (FileError naming the file and the limit) a file
// over maxJsonBytes() before reading it, and text nested deeper than maxJsonDepth() (checked
// without recursion, so the parser never sees it). Also throws FileError when the file cannot be
// opened or read. The caller parses the returned text.
std::string readJsonFile(const std::filesystem::path& file);

// The same checks on JSON text already in memory (`origin` names it in the error).
void checkJsonText(std::string_view text, const std::filesystem::path& origin);

}  // namespace rgbdsod::core
