// Image dimensions from file headers (see image_header.h). Only the fields that give the size are
// read, each access bounds-checked: anything unexpected returns nullopt and the decoder decides.
#include "image_header.h"

#include <cctype>
#include <cstring>

#include "rgbdsod/core/input_limits.h"

namespace rgbdsod::core::detail {
namespace {

struct Reader {
  const std::uint8_t* p;
  std::size_t n;

  bool has(std::size_t at, std::size_t count) const { return at <= n && count <= n - at; }
  std::uint32_t be16(std::size_t at) const { return std::uint32_t{p[at]} << 8 | p[at + 1]; }
  std::uint32_t le16(std::size_t at) const { return std::uint32_t{p[at + 1]} << 8 | p[at]; }
  std::uint32_t be32(std::size_t at) const { return be16(at) << 16 | be16(at + 2); }
  std::uint32_t le32(std::size_t at) const { return le16(at + 2) << 16 | le16(at); }
  bool starts(const char* magic, std::size_t len) const { return has(0, len) && std::memcmp(p, magic, len) == 0; }
};

std::optional<ImageDimensions> png(const Reader& r) {
  // Signature (8), IHDR length (4) and type (4), then width and height (big-endian).
  if (!r.has(0, 24) || std::memcmp(r.p + 12, "IHDR", 4) != 0) return std::nullopt;
  return ImageDimensions{r.be32(16), r.be32(20)};
}

std::optional<ImageDimensions> jpeg(const Reader& r) {
  std::size_t at = 2;  // after SOI
  while (r.has(at, 4)) {
    if (r.p[at] != 0xFF) return std::nullopt;
    const std::uint8_t marker = r.p[at + 1];
    if (marker == 0xFF) {  // fill byte before a marker
      ++at;
      continue;
    }
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {  // markers without a length
      at += 2;
      continue;
    }
    if (marker == 0xDA || marker == 0xD9) return std::nullopt;  // scan data before any frame header
    const std::uint32_t length = r.be16(at + 2);
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC): length, precision, height, width.
    const bool frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (frame) {
      if (!r.has(at + 4, 5)) return std::nullopt;
      return ImageDimensions{r.be16(at + 7), r.be16(at + 5)};
    }
    if (length < 2) return std::nullopt;
    at += 2 + length;
  }
  return std::nullopt;
}

std::optional<ImageDimensions> bmp(const Reader& r) {
  if (!r.has(14, 4)) return std::nullopt;
  const std::uint32_t dib = r.le32(14);
  if (dib == 12) {  // BITMAPCOREHEADER: 16-bit unsigned sizes
    if (!r.has(18, 4)) return std::nullopt;
    return ImageDimensions{r.le16(18), r.le16(20)};
  }
  if (!r.has(18, 8)) return std::nullopt;
  // Signed 32-bit: a negative height means top-down rows; the magnitude is the size.
  const auto w = static_cast<std::int32_t>(r.le32(18));
  const auto h = static_cast<std::int32_t>(r.le32(22));
  const auto mag = [](std::int32_t v) { return v < 0 ? static_cast<std::uint64_t>(-std::int64_t{v}) : std::uint64_t(v); };
  return ImageDimensions{mag(w), mag(h)};
}

std::optional<ImageDimensions> tiff(const Reader& r) {
  const bool le = r.p[0] == 'I';
  const auto u16 = [&](std::size_t at) { return le ? r.le16(at) : r.be16(at); };
  const auto u32 = [&](std::size_t at) { return le ? r.le32(at) : r.be32(at); };
  if (!r.has(4, 4)) return std::nullopt;
  const std::size_t ifd = u32(4);
  if (!r.has(ifd, 2)) return std::nullopt;
  const std::uint32_t entries = u16(ifd);
  ImageDimensions d;
  bool width = false, height = false;
  for (std::uint32_t i = 0; i < entries; ++i) {
    const std::size_t e = ifd + 2 + 12 * std::size_t{i};
    if (!r.has(e, 12)) return std::nullopt;
    const std::uint32_t tag = u16(e), type = u16(e + 2);
    if (tag != 256 && tag != 257) continue;
    // SHORT (3) sits in the first two bytes of the value field, LONG (4) fills it.
    if (type != 3 && type != 4) return std::nullopt;
    const std::uint64_t v = type == 3 ? u16(e + 8) : u32(e + 8);
    (tag == 256 ? d.width : d.height) = v;
    (tag == 256 ? width : height) = true;
  }
  if (!width || !height) return std::nullopt;
  return d;
}

std::optional<ImageDimensions> pnm(const Reader& r) {
  std::size_t at = 2;
  std::uint64_t v[2] = {0, 0};
  for (std::uint64_t& value : v) {
    // Whitespace and '#' comments (to the end of the line) separate the header's fields.
    for (;;) {
      if (!r.has(at, 1)) return std::nullopt;
      if (r.p[at] == '#') {
        while (r.has(at, 1) && r.p[at] != '\n') ++at;
      } else if (std::isspace(r.p[at])) {
        ++at;
      } else {
        break;
      }
    }
    if (!std::isdigit(r.p[at])) return std::nullopt;
    // More than 19 digits overflows; any such number is over every limit anyway.
    for (int digits = 0; r.has(at, 1) && std::isdigit(r.p[at]); ++at, ++digits) {
      if (digits == 19) return ImageDimensions{UINT64_MAX, UINT64_MAX};
      value = value * 10 + static_cast<std::uint64_t>(r.p[at] - '0');
    }
  }
  return ImageDimensions{v[0], v[1]};
}

}  // namespace

std::optional<ImageDimensions> headerDimensions(const std::uint8_t* data, std::size_t size) {
  const Reader r{data, size};
  if (r.starts("\x89PNG\r\n\x1a\n", 8)) return png(r);
  if (r.starts("\xFF\xD8\xFF", 3)) return jpeg(r);
  if (r.starts("BM", 2)) return bmp(r);
  if (r.starts("II*\0", 4) || r.starts("MM\0*", 4)) return tiff(r);
  if (r.has(0, 2) && r.p[0] == 'P' && r.p[1] >= '1' && r.p[1] <= '6') return pnm(r);
  return std::nullopt;
}

std::string imageSizeProblem(const std::uint8_t* data, std::size_t size) {
  const auto d = headerDimensions(data, size);
  if (!d) return {};
  const std::uint64_t limit = maxImagePixels();
  // Each side is below 2^32 except for the PNM overflow marker, so the product is checked by division.
  const bool over = d->width != 0 && d->height > limit / d->width;
  if (!over) return {};
  const std::string dims = d->width == UINT64_MAX ? std::string("more than 10^19 x 10^19")
                                                  : std::to_string(d->width) + "x" + std::to_string(d->height);
  return "image too large: header claims " + dims + " pixels, over the limit of " + std::to_string(limit) +
         " pixels (set RGBDSOD_MAX_IMAGE_PIXELS to raise it)";
}

std::string imageFileSizeProblem(std::uint64_t bytes) {
  const std::uint64_t limit = maxImageFileBytes();
  if (bytes <= limit) return {};
  return "image file too large: " + std::to_string(bytes) + " bytes, over the limit of " + std::to_string(limit) +
         " bytes (set RGBDSOD_MAX_IMAGE_FILE_BYTES to raise it)";
}

}  // namespace rgbdsod::core::detail
