#pragma once
// Reading the image formats found in RGB-D SOD datasets, each into one canonical form.
// Every function throws FileError naming the file and the problem (missing, unreadable,
// not an image, corrupt) instead of returning an empty matrix.
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "rgbdsod/core/errors.h"

namespace rgbdsod::core {

// Why a file could not be read; validation maps these to its problem kinds.
enum class ReadFailure {
  Missing,      // the file does not exist
  Unreadable,   // it exists but cannot be opened or read (permissions, I/O error, a folder)
  NotAnImage,   // unknown extension
  Corrupt,      // does not decode, or is truncated
  Unsupported,  // decodes, but into a form the reader cannot use (e.g. colour-mapped depth)
  TooLarge,     // over a limit of input_limits.h (file size, or the pixels its header claims)
};

// The FileError thrown by the readers below; failure() says which kind of problem it is.
class ImageReadError : public FileError {
 public:
  ImageReadError(std::filesystem::path file, ReadFailure failure, std::string problem)
      : FileError(std::move(file), std::move(problem)), failure_(failure) {}
  ReadFailure failure() const noexcept { return failure_; }

 private:
  ReadFailure failure_;
};

// Lower-case extensions, with the dot, that the readers accept (".jpg", ".png", ".bmp", ...).
const std::vector<std::string>& imageExtensions();
bool hasImageExtension(const std::filesystem::path& file);

// All readers throw ImageReadError (a FileError). EXIF orientation is ignored on purpose, so
// that RGB, depth and GT of one sample keep the same geometry.

// CV_8UC3, BGR. Gray images are expanded, alpha is dropped, 16-bit is scaled to 8 bits.
cv::Mat readRgb(const std::filesystem::path& file);

// CV_8UC1 or CV_16UC1 exactly as stored (no scaling): 8-bit SOD copies and 16-bit metric
// (millimetre) depth both occur. A 3-channel file whose channels are equal is reduced to one.
// A 3-channel file with different channels is an error (colour-mapped depth cannot be inverted).
cv::Mat readDepth(const std::filesystem::path& file);

// CV_8UC1 with 0 = background and 255 = foreground; soft edges keep their grey values.
// 1-bit and palette PNG/BMP masks become 0/255; masks stored as 0/1 are scaled to 0/255;
// 16-bit masks are scaled to 8 bits (unless all values fit in 0..255); colour masks count every
// non-black pixel as foreground (3-channel masks whose channels are equal, up to JPEG noise, are grey).
cv::Mat readMask(const std::filesystem::path& file);

}  // namespace rgbdsod::core
