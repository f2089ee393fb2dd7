#pragma once
// Internal: the dimensions an image file claims in its header, read without decoding, so that
// the readers refuse an image over maxImagePixels() (input_limits.h) before OpenCV or the fast PNG
// path allocates its pixels.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace rgbdsod::core::detail {

struct ImageDimensions {
  std::uint64_t width = 0;
  std::uint64_t height = 0;
};

// Width and height from a PNG (IHDR), JPEG (first SOFn marker), BMP, TIFF (first IFD) or PNM
// (P1..P6) header; nullopt for other content or a header too short to read (the decoder then
// reports what is wrong).
std::optional<ImageDimensions> headerDimensions(const std::uint8_t* data, std::size_t size);

// Empty when the image may be decoded; otherwise the problem ("header claims 100000x100000
// pixels, over the limit of ..."), for an error naming the file.
std::string imageSizeProblem(const std::uint8_t* data, std::size_t size);

// Empty when a file of `bytes` may be read into memory; otherwise the problem.
std::string imageFileSizeProblem(std::uint64_t bytes);

}  // namespace rgbdsod::core::detail
