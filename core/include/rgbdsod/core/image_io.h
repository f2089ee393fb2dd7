#pragma once
// Reading the image formats found in RGB-D SOD datasets, each into one canonical form.
// Every function throws FileError naming the file and the problem (missing, unreadable,
// not an image, corrupt) instead of returning an empty matrix.
#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>

namespace rgbdsod::core {

// Lower-case extensions, with the dot, that the readers accept (".jpg", ".png", ".bmp", ...).
const std::vector<std::string>& imageExtensions();
bool hasImageExtension(const std::filesystem::path& file);

// CV_8UC3, BGR. Gray images are expanded, alpha is dropped, 16-bit is scaled to 8 bits.
cv::Mat readRgb(const std::filesystem::path& file);

// CV_8UC1 or CV_16UC1 exactly as stored (no scaling): 8-bit SOD copies and 16-bit metric
// (millimetre) depth both occur. A 3-channel file whose channels are equal is reduced to one.
// A 3-channel file with different channels is an error (colour-mapped depth cannot be inverted).
cv::Mat readDepth(const std::filesystem::path& file);

// CV_8UC1 with 0 = background and 255 = foreground; soft edges keep their grey values.
// 1-bit and palette PNG/BMP masks become 0/255; masks stored as 0/1 are scaled to 0/255;
// 16-bit masks are scaled to 8 bits; colour masks count every non-black pixel as foreground.
cv::Mat readMask(const std::filesystem::path& file);

}  // namespace rgbdsod::core
