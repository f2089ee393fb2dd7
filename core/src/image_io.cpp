#include "rgbdsod/core/image_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string_view>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "image_header.h"

namespace fs = std::filesystem;

namespace rgbdsod::core {
namespace {

using Bytes = std::vector<uchar>;

[[noreturn]] void fail(const fs::path& file, ReadFailure why, std::string problem) {
  throw ImageReadError(file, why, std::move(problem));
}

std::string lowerExtension(const fs::path& file) {
  std::string ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext;
}

// Reads the whole file with POSIX calls so that errno names the reason: OpenCV's imread returns
// an empty matrix for a missing file, a permission problem and a corrupt file alike.
Bytes readAllBytes(const fs::path& file) {
  std::error_code ec;
  const auto status = fs::status(file, ec);
  if (!fs::exists(status)) fail(file, ReadFailure::Missing, "file does not exist");
  if (fs::is_directory(status)) fail(file, ReadFailure::Unreadable, "is a folder, not an image file");
  if (!hasImageExtension(file)) {
    const std::string ext = file.extension().string();
    fail(file, ReadFailure::NotAnImage,
         ext.empty() ? "not an image file (no extension)" : "not an image file (unknown extension " + ext + ")");
  }
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(file, ReadFailure::Unreadable, std::string("cannot open: ") + std::strerror(errno));
  Bytes bytes;
  struct stat st {};
  if (::fstat(fd, &st) == 0 && st.st_size > 0) {
    // Refused before a byte is read: a huge file named .png would otherwise be held in memory whole.
    const std::string too_large = detail::imageFileSizeProblem(static_cast<std::uint64_t>(st.st_size));
    if (!too_large.empty()) {
      ::close(fd);
      fail(file, ReadFailure::TooLarge, too_large);
    }
    bytes.reserve(static_cast<std::size_t>(st.st_size));
  }
  uchar chunk[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string why = std::strerror(errno);
      ::close(fd);
      fail(file, ReadFailure::Unreadable, "read error: " + why);
    }
    bytes.insert(bytes.end(), chunk, chunk + n);
    // A FIFO or a file growing while read has no size up front; it is bounded as it comes.
    if (const std::string too_large = detail::imageFileSizeProblem(bytes.size()); !too_large.empty()) {
      ::close(fd);
      fail(file, ReadFailure::TooLarge, too_large);
    }
  }
  ::close(fd);
  if (bytes.empty()) fail(file, ReadFailure::Corrupt, "empty file (0 bytes)");
  return bytes;
}

bool startsWith(const Bytes& b, std::string_view magic) {
  return b.size() >= magic.size() && std::memcmp(b.data(), magic.data(), magic.size()) == 0;
}

std::uint32_t le32(const Bytes& b, std::size_t at) {
  return static_cast<std::uint32_t>(b[at]) | static_cast<std::uint32_t>(b[at + 1]) << 8 |
         static_cast<std::uint32_t>(b[at + 2]) << 16 | static_cast<std::uint32_t>(b[at + 3]) << 24;
}

// Truncation is checked by structure because some decoders (libjpeg in particular) fill a cut-off
// image with grey and report success. Returns a problem description, or empty when the file looks
// complete (or is of a format without a cheap check).
std::string truncationProblem(const Bytes& b) {
  if (startsWith(b, "\x89PNG\r\n\x1a\n")) {
    // IEND is the last chunk; look for it near the end (some writers append padding).
    const std::size_t from = b.size() > 4096 ? b.size() - 4096 : 0;
    const std::string_view tail(reinterpret_cast<const char*>(b.data() + from), b.size() - from);
    if (tail.find("IEND") == std::string_view::npos)
      return "truncated or corrupt: PNG ends before its IEND chunk (" + std::to_string(b.size()) + " bytes)";
  } else if (b.size() >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) {
    // Entropy-coded data never holds an unstuffed 0xFF marker byte, so the end-of-image marker
    // must follow the last start-of-scan marker.
    std::size_t last_sos = 0;
    for (std::size_t i = b.size() - 1; i > 0; --i)
      if (b[i - 1] == 0xFF && b[i] == 0xDA) { last_sos = i; break; }
    bool eoi = false;
    for (std::size_t i = last_sos + 1; i < b.size() && !eoi; ++i) eoi = b[i - 1] == 0xFF && b[i] == 0xD9;
    if (!eoi) return "truncated or corrupt: JPEG has no end-of-image marker (" + std::to_string(b.size()) + " bytes)";
  } else if (startsWith(b, "BM") && b.size() >= 34) {
    const std::uint32_t offset = le32(b, 10);
    const auto width = static_cast<std::int32_t>(le32(b, 18));
    const auto height = static_cast<std::int32_t>(le32(b, 22));
    const std::uint32_t bits = static_cast<std::uint32_t>(b[28]) | static_cast<std::uint32_t>(b[29]) << 8;
    const std::uint32_t compression = le32(b, 30);
    if (compression == 0 && width > 0 && height != 0 && bits > 0 && bits <= 32) {
      const std::uint64_t stride = ((static_cast<std::uint64_t>(width) * bits + 31) / 32) * 4;
      const std::uint64_t need = offset + stride * static_cast<std::uint64_t>(height < 0 ? -std::int64_t{height} : height);
      if (b.size() < need)
        return "truncated or corrupt: BMP holds " + std::to_string(b.size()) + " bytes, its header needs " +
               std::to_string(need);
    }
  }
  return {};
}

cv::Mat decodeUnchanged(const fs::path& file) {
  const Bytes bytes = readAllBytes(file);
  // The header's dimensions are checked before OpenCV allocates the pixels they claim.
  if (const std::string too_large = detail::imageSizeProblem(bytes.data(), bytes.size()); !too_large.empty())
    fail(file, ReadFailure::TooLarge, too_large);
  cv::Mat image;
  try {
    image = cv::imdecode(bytes, cv::IMREAD_UNCHANGED);
  } catch (const cv::Exception& e) {
    fail(file, ReadFailure::Corrupt, std::string("corrupt or not an image: ") + e.err);
  }
  const std::string truncated = truncationProblem(bytes);
  if (!truncated.empty()) fail(file, ReadFailure::Corrupt, truncated);
  if (image.empty()) fail(file, ReadFailure::Corrupt, "corrupt or not an image: cannot decode");
  return image;
}

std::string describe(const cv::Mat& m) {
  return std::to_string(m.channels()) + "-channel " + (m.depth() == CV_8U ? "8-bit" : m.depth() == CV_16U ? "16-bit"
                                                                                                           : "non-integer");
}

// Drops an alpha channel; two-channel (grey + alpha) images keep their grey channel.
cv::Mat withoutAlpha(const cv::Mat& m) {
  if (m.channels() == 4) {
    cv::Mat out;
    cv::cvtColor(m, out, cv::COLOR_BGRA2BGR);
    return out;
  }
  if (m.channels() == 2) {
    cv::Mat out;
    cv::extractChannel(m, out, 0);
    return out;
  }
  return m;
}

// Per-pixel spread between the channels of a 3-channel image (max - min), same depth.
cv::Mat channelSpread(const cv::Mat& bgr) {
  std::vector<cv::Mat> ch;
  cv::split(bgr, ch);
  cv::Mat hi = cv::max(cv::max(ch[0], ch[1]), ch[2]);
  cv::Mat lo = cv::min(cv::min(ch[0], ch[1]), ch[2]);
  return hi - lo;
}

bool channelsEqual(const cv::Mat& bgr) {
  double spread = 0;
  cv::minMaxLoc(channelSpread(bgr), nullptr, &spread);
  return spread == 0;
}

}  // namespace

const std::vector<std::string>& imageExtensions() {
  static const std::vector<std::string> exts{".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".ppm", ".pgm"};
  return exts;
}

bool hasImageExtension(const fs::path& file) {
  const std::string ext = lowerExtension(file);
  const auto& exts = imageExtensions();
  return std::find(exts.begin(), exts.end(), ext) != exts.end();
}

cv::Mat readRgb(const fs::path& file) {
  cv::Mat m = withoutAlpha(decodeUnchanged(file));
  if (m.depth() == CV_16U) m.convertTo(m, CV_8U, 255.0 / 65535.0);
  if (m.depth() != CV_8U) fail(file, ReadFailure::Unsupported, "unsupported RGB format: " + describe(m));
  if (m.channels() == 1) cv::cvtColor(m, m, cv::COLOR_GRAY2BGR);
  return m;
}

cv::Mat readDepth(const fs::path& file) {
  cv::Mat m = withoutAlpha(decodeUnchanged(file));
  if (m.depth() != CV_8U && m.depth() != CV_16U)
    fail(file, ReadFailure::Unsupported, "unsupported depth format: " + describe(m) + " (expected 8- or 16-bit)");
  if (m.channels() == 3) {
    if (!channelsEqual(m))
      fail(file, ReadFailure::Unsupported,
           "colour depth (3 different channels, e.g. a colour-mapped view) cannot be used as depth");
    cv::extractChannel(m, m, 0);
  }
  return m;
}

cv::Mat readMask(const fs::path& file) {
  cv::Mat m = withoutAlpha(decodeUnchanged(file));
  if (m.depth() != CV_8U && m.depth() != CV_16U && m.depth() != CV_32F && m.depth() != CV_64F)
    fail(file, ReadFailure::Unsupported, "unsupported mask format: " + describe(m));
  if (m.channels() == 3) {
    // Grey masks saved as JPEG differ by a few levels between channels; a mask counts as colour
    // only when clearly coloured pixels are more than a trace (0.5%).
    const double levels = m.depth() == CV_16U ? 257.0 : m.depth() == CV_8U ? 1.0 : 1.0 / 255.0;
    const int coloured = cv::countNonZero(channelSpread(m) > 24.0 * levels);
    if (coloured == 0 || coloured * 200 < m.rows * m.cols) {
      cv::cvtColor(m, m, cv::COLOR_BGR2GRAY);
    } else {
      std::vector<cv::Mat> ch;
      cv::split(m, ch);
      cv::Mat any = (ch[0] > 0) | (ch[1] > 0) | (ch[2] > 0);  // 0/255, CV_8U
      return any;
    }
  }
  double max_value = 0;
  cv::minMaxLoc(m, nullptr, &max_value);
  cv::Mat out;
  if (max_value > 0 && max_value <= 1.0) {
    m.convertTo(out, CV_8U, 255.0);  // 0/1 masks, and float masks in [0,1]
  } else if (m.depth() == CV_16U && max_value > 255) {
    m.convertTo(out, CV_8U, 255.0 / 65535.0);
  } else {
    m.convertTo(out, CV_8U);  // saturates
  }
  return out;
}

}  // namespace rgbdsod::core
