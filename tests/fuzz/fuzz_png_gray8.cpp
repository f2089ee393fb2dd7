// The evaluation's own grey-PNG fast path (core/src/png_gray8.cpp) against cv::imdecode as the
// oracle: whenever the fast path accepts a file, OpenCV must decode it to exactly the same pixels.
// When it refuses, OpenCV decides (decodes or reports the corruption), as in the evaluation.
// Chunk CRCs are recomputed before both decoders see the input: random mutations almost always
// break a CRC, and a refusal there would keep the fuzzer out of everything behind it.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <zlib.h>

#include "image_header.h"
#include "png_gray8.h"

namespace {

std::uint32_t readBigEndian(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

// Rewrites the CRC of every complete chunk after the 8-byte signature.
void fixChunkCrcs(std::vector<std::uint8_t>& png) {
  std::size_t at = 8;
  while (at + 12 <= png.size()) {
    const std::uint32_t length = readBigEndian(&png[at]);
    if (length > png.size() - at - 12) return;
    const uLong crc = crc32(crc32(0L, Z_NULL, 0), &png[at + 4], static_cast<uInt>(length + 4));
    std::uint8_t* out = &png[at + 8 + length];
    out[0] = static_cast<std::uint8_t>(crc >> 24);
    out[1] = static_cast<std::uint8_t>(crc >> 16);
    out[2] = static_cast<std::uint8_t>(crc >> 8);
    out[3] = static_cast<std::uint8_t>(crc);
    at += 12 + length;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::uint8_t> bytes(data, data + size);
  fixChunkCrcs(bytes);
  // As the evaluation reader does: absurd header dimensions are refused before any decoder runs.
  if (!rgbdsod::core::detail::imageSizeProblem(bytes.data(), bytes.size()).empty()) return 0;
  cv::Mat fast;
  if (!rgbdsod::core::detail::decodePngGray8(bytes.data(), bytes.size(), fast)) return 0;
  cv::Mat reference;
  try {
    reference = cv::imdecode(bytes, cv::IMREAD_GRAYSCALE);
  } catch (const cv::Exception&) {
  }
  if (reference.empty() || reference.size() != fast.size() || reference.type() != fast.type() ||
      cv::countNonZero(reference != fast) != 0) {
    std::fprintf(stderr, "the fast path accepted a file that cv::imdecode %s\n",
                 reference.empty() ? "refuses" : "decodes to other pixels");
    std::abort();
  }
  return 0;
}
