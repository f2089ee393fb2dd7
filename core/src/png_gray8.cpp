// Fast path for 8-bit greyscale PNGs (see png_gray8.h). Why: libpng's per-byte unfiltering with
// store-to-load round trips and its chunked inflate made decoding half of the evaluation's time.
// Here the IDAT stream is inflated in one call and the rows are unfiltered with the running bytes
// kept in registers.
#include "png_gray8.h"

#include <cstring>
#include <memory>
#include <vector>

#include <zlib.h>

namespace rgbdsod::core::detail {
namespace {

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

bool is(const std::uint8_t* type, const char* name) { return std::memcmp(type, name, 4) == 0; }

// Ancillary chunks that cv::imdecode(IMREAD_GRAYSCALE) ignores for a greyscale image (no gamma or
// colour management, no background). tRNS, eXIf (orientation) and all others fall back.
bool ignorable(const std::uint8_t* type) {
  return is(type, "tEXt") || is(type, "zTXt") || is(type, "iTXt") || is(type, "tIME") || is(type, "pHYs") ||
         is(type, "gAMA") || is(type, "sRGB") || is(type, "cHRM") || is(type, "iCCP");
}

int paeth(int a, int b, int c) {
  const int p = a + b - c;
  const int pa = p > a ? p - a : a - p;
  const int pb = p > b ? p - b : b - p;
  const int pc = p > c ? p - c : c - p;
  return pa <= pb && pa <= pc ? a : (pb <= pc ? b : c);
}

// Reverses the filter of one row (bpp = 1) into `out`; `prev` is the previous output row or zeros.
bool unfilter(int filter, const std::uint8_t* in, const std::uint8_t* prev, std::uint8_t* out, int width) {
  switch (filter) {
    case 0:
      std::memcpy(out, in, static_cast<std::size_t>(width));
      return true;
    case 1: {
      std::uint8_t left = 0;
      for (int x = 0; x < width; ++x) out[x] = left = static_cast<std::uint8_t>(in[x] + left);
      return true;
    }
    case 2:
      for (int x = 0; x < width; ++x) out[x] = static_cast<std::uint8_t>(in[x] + prev[x]);
      return true;
    case 3: {
      int left = 0;
      for (int x = 0; x < width; ++x) out[x] = static_cast<std::uint8_t>(left = (in[x] + ((left + prev[x]) >> 1)) & 0xFF);
      return true;
    }
    case 4: {
      int left = 0;
      int up_left = 0;
      for (int x = 0; x < width; ++x) {
        left = (in[x] + paeth(left, prev[x], up_left)) & 0xFF;
        up_left = prev[x];
        out[x] = static_cast<std::uint8_t>(left);
      }
      return true;
    }
    default:
      return false;
  }
}

// Inflates the zlib stream `in` (checksum verified) into exactly `size` bytes at `out`; false when the
// stream is corrupt, shorter or longer, or followed by more compressed bytes. zlib, not a faster
// inflater: it must refuse exactly what libpng refuses (see core/CMakeLists.txt).
bool inflateExactly(const std::vector<std::uint8_t>& in, std::uint8_t* out, std::size_t size) {
  thread_local std::vector<std::uint8_t> spare;  // one more byte than needed: a longer stream fails
  spare.resize(size + 1);
  z_stream z{};
  if (inflateInit(&z) != Z_OK) return false;
  z.next_in = const_cast<Bytef*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = spare.data();
  z.avail_out = static_cast<uInt>(spare.size());
  const int status = inflate(&z, Z_FINISH);
  const std::size_t produced = z.total_out;
  const uInt left_in = z.avail_in;  // compressed bytes after the stream's end
  inflateEnd(&z);
  if (status != Z_STREAM_END || produced != size || left_in != 0) return false;
  std::memcpy(out, spare.data(), size);
  return true;
}

}  // namespace

bool decodePngGray8(const std::uint8_t* data, std::size_t size, cv::Mat& out) {
  static const std::uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (size < 8 + 25 || std::memcmp(data, kSignature, 8) != 0) return false;
  thread_local std::vector<std::uint8_t> idat;
  thread_local std::vector<std::uint8_t> raw;
  idat.clear();
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  bool header = false;
  bool end = false;
  bool idat_done = false;  // IDAT chunks must be consecutive
  for (std::size_t at = 8; !end;) {
    if (size - at < 12) return false;
    const std::uint32_t length = be32(data + at);
    if (length > size - at - 12) return false;
    const std::uint8_t* type = data + at + 4;
    const std::uint8_t* body = type + 4;
    const auto crc = static_cast<std::uint32_t>(crc32(0L, type, length + 4));
    if (crc != be32(body + length)) return false;
    if (!header) {  // IHDR first: greyscale, depth 8, standard compression / filter, no interlace
      if (!is(type, "IHDR") || length != 13) return false;
      width = be32(body);
      height = be32(body + 4);
      if (width == 0 || height == 0 || width > (1u << 15) || height > (1u << 15)) return false;
      if (body[8] != 8 || body[9] != 0 || body[10] != 0 || body[11] != 0 || body[12] != 0) return false;
      header = true;
    } else if (is(type, "IDAT")) {
      if (idat_done) return false;
      idat.insert(idat.end(), body, body + length);
    } else if (is(type, "IEND")) {
      end = true;
    } else if (!ignorable(type)) {
      return false;
    }
    if (!idat.empty() && !is(type, "IDAT")) idat_done = true;
    at += 12 + std::size_t{length};
  }
  if (idat.empty()) return false;
  const std::size_t stride = std::size_t{width} + 1;
  // Deflate expands at most 1032:1 (258-byte matches coded in 2 bits): a stream too short for the
  // claimed size cannot be valid, so it is refused before the buffers are taken (a tiny file
  // claiming a huge image costs nothing; cv::imdecode then reports it).
  constexpr std::size_t kMaxDeflateRatio = 1032;
  if (stride * height > idat.size() * kMaxDeflateRatio + 1024) return false;
  raw.resize(stride * height);
  if (!inflateExactly(idat, raw.data(), stride * height)) return false;

  out.create(static_cast<int>(height), static_cast<int>(width), CV_8UC1);
  static const std::vector<std::uint8_t> zeros(1u << 15, 0);
  for (std::uint32_t y = 0; y < height; ++y) {
    const std::uint8_t* row = raw.data() + y * stride;
    const std::uint8_t* prev = y == 0 ? zeros.data() : out.ptr<std::uint8_t>(static_cast<int>(y) - 1);
    if (!unfilter(row[0], row + 1, prev, out.ptr<std::uint8_t>(static_cast<int>(y)), static_cast<int>(width))) {
      out.release();
      return false;
    }
  }
  return true;
}

}  // namespace rgbdsod::core::detail
