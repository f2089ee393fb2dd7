#pragma once
// Internal: a fast decoder for the one PNG layout that saliency maps and GT masks almost always use
// (8-bit greyscale, not interlaced), for the evaluation's hot path. Anything else, and anything that
// does not validate completely (chunk CRCs, zlib stream and checksum, filter bytes, exact size),
// returns false so that the caller falls back to cv::imdecode, which then decides (decodes or
// reports the corruption). For the files it accepts, the pixels are the raw samples, exactly what
// cv::imdecode(IMREAD_GRAYSCALE) gives for them (libpng applies no transform to such a file).
#include <cstddef>
#include <cstdint>

#include <opencv2/core/mat.hpp>

namespace rgbdsod::core::detail {

bool decodePngGray8(const std::uint8_t* data, std::size_t size, cv::Mat& out);

}  // namespace rgbdsod::core::detail
