// ZIP structure and CRC-32 check (APPNOTE.TXT 4.3): end of central directory, ZIP64 locator and
// record, central directory entries (with their ZIP64 extra field), local headers, stored data.
#include "rgbdsod/core/zip_check.h"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <istream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <zlib.h>

#include "rgbdsod/core/errors.h"

namespace fs = std::filesystem;

namespace rgbdsod::core {
namespace {

constexpr std::uint32_t kEndSignature = 0x06054b50;
constexpr std::uint32_t kZip64EndSignature = 0x06064b50;
constexpr std::uint32_t kZip64LocatorSignature = 0x07064b50;
constexpr std::uint32_t kCentralSignature = 0x02014b50;
constexpr std::uint32_t kLocalSignature = 0x04034b50;
constexpr std::uint64_t kEndSize = 22, kZip64LocatorSize = 20, kZip64EndSize = 56, kCentralSize = 46, kLocalSize = 30;

std::uint64_t little(const unsigned char* p, int n) {
  std::uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

class Archive {
 public:
  Archive(std::istream& in, const fs::path& file) : file_(file), in_(in) {
    in_.clear();
    in_.seekg(0, std::ios::end);
    const std::streamoff end = in_.tellg();
    if (!in_ || end < 0) throw FileError(file, "cannot read the archive");
    size_ = static_cast<std::uint64_t>(end);
  }
  std::uint64_t size() const { return size_; }

  FileError damaged(const std::string& problem) const {
    return FileError(file_, "damaged archive (truncated or overwritten?): " + problem);
  }

  // `n` bytes at `at`; `what` names them when they are not all inside the file.
  std::vector<unsigned char> read(std::uint64_t at, std::uint64_t n, const std::string& what) {
    if (at > size_ || n > size_ - at) throw damaged(what + " lies past the end of the file");
    std::vector<unsigned char> out(n);
    in_.seekg(static_cast<std::streamoff>(at));
    in_.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(n));
    if (!in_) throw FileError(file_, "cannot read the archive");
    return out;
  }

  std::uint32_t crc(std::uint64_t at, std::uint64_t n) {
    uLong c = crc32(0L, Z_NULL, 0);
    std::vector<char> chunk(std::size_t{1} << 20);
    in_.seekg(static_cast<std::streamoff>(at));
    while (n > 0) {
      const std::uint64_t take = std::min<std::uint64_t>(n, chunk.size());
      in_.read(chunk.data(), static_cast<std::streamsize>(take));
      if (!in_) throw FileError(file_, "cannot read the archive");
      c = crc32(c, reinterpret_cast<const Bytef*>(chunk.data()), static_cast<uInt>(take));
      n -= take;
    }
    return static_cast<std::uint32_t>(c);
  }

  // Inflates the raw deflate stream of `packed` bytes at `at` without keeping it: the CRC-32 of
  // what comes out, or a problem when it is not a whole stream of exactly `size` bytes. Stops as
  // soon as the output passes `size`, so a forged size or a bomb costs two 1 MiB buffers.
  std::uint32_t inflatedCrc(std::uint64_t at, std::uint64_t packed, std::uint64_t size, const std::string& name) {
    z_stream z{};
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK) throw FileError(file_, "cannot start zlib");
    std::vector<unsigned char> in(std::size_t{1} << 20), out(std::size_t{1} << 20);
    uLong c = crc32(0L, Z_NULL, 0);
    std::uint64_t produced = 0;
    int rc = Z_OK;
    in_.seekg(static_cast<std::streamoff>(at));
    while (rc != Z_STREAM_END) {
      if (z.avail_in == 0) {
        const std::uint64_t take = std::min<std::uint64_t>(packed, in.size());
        if (take == 0) break;  // the packed bytes end before the stream does
        in_.read(reinterpret_cast<char*>(in.data()), static_cast<std::streamsize>(take));
        if (!in_) {
          inflateEnd(&z);
          throw FileError(file_, "cannot read the archive");
        }
        packed -= take;
        z.next_in = in.data();
        z.avail_in = static_cast<uInt>(take);
      }
      z.next_out = out.data();
      z.avail_out = static_cast<uInt>(out.size());
      rc = inflate(&z, Z_NO_FLUSH);
      const std::uint64_t got = out.size() - z.avail_out;
      produced += got;
      c = crc32(c, out.data(), static_cast<uInt>(got));
      if (rc != Z_OK && rc != Z_STREAM_END) break;
      if (produced > size) break;
    }
    inflateEnd(&z);
    if (rc != Z_STREAM_END || produced > size)
      throw damaged("entry " + name + ": its compressed data does not inflate to the " + std::to_string(size) +
                    " bytes its header declares");
    if (produced != size)
      throw damaged("entry " + name + " inflates to " + std::to_string(produced) + " bytes, not the " +
                    std::to_string(size) + " its header declares");
    return static_cast<std::uint32_t>(c);
  }

 private:
  fs::path file_;
  std::istream& in_;
  std::uint64_t size_ = 0;
};

struct Directory {
  std::uint64_t entries = 0, size = 0, offset = 0, end = 0;  // end: where the end records start
};

Directory findDirectory(Archive& a) {
  // The end record is the last thing in the file, followed only by its comment (< 64 KiB).
  const std::uint64_t tail_size = std::min<std::uint64_t>(a.size(), kEndSize + 0xffff);
  const std::vector<unsigned char> tail = a.read(a.size() - tail_size, tail_size, "the end record");
  std::uint64_t at = tail.size();
  for (std::uint64_t i = tail.size() >= kEndSize ? tail.size() - kEndSize + 1 : 0; i-- > 0;) {
    if (little(&tail[i], 4) == kEndSignature && i + kEndSize + little(&tail[i + 20], 2) == tail.size()) {
      at = i;
      break;
    }
  }
  if (at == tail.size()) throw a.damaged("no ZIP end record (not a ZIP archive)");
  const unsigned char* e = &tail[at];
  Directory d{little(e + 10, 2), little(e + 12, 4), little(e + 16, 4), a.size() - tail_size + at};
  if (d.end >= kZip64LocatorSize) {
    const auto locator = a.read(d.end - kZip64LocatorSize, kZip64LocatorSize, "the ZIP64 locator");
    if (little(locator.data(), 4) == kZip64LocatorSignature) {
      const std::uint64_t record_at = little(&locator[8], 8);
      const auto r = a.read(record_at, kZip64EndSize, "the ZIP64 end record");
      if (little(r.data(), 4) != kZip64EndSignature) throw a.damaged("the ZIP64 locator points at no ZIP64 end record");
      d = {little(&r[32], 8), little(&r[40], 8), little(&r[48], 8), record_at};
    }
  }
  if (d.offset > d.end || d.size > d.end - d.offset) throw a.damaged("the central directory lies outside the file");
  if (d.entries > d.size / kCentralSize) throw a.damaged(fmt::format("{} entries do not fit the central directory", d.entries));
  return d;
}

}  // namespace

void checkZipArchive(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw FileError(file, "cannot open the archive");
  checkZipArchive(in, file);
}

void checkZipArchive(std::istream& in, const fs::path& file) {
  Archive a(in, file);
  const Directory d = findDirectory(a);
  const std::vector<unsigned char> cd = a.read(d.offset, d.size, "the central directory");
  std::uint64_t p = 0;
  for (std::uint64_t n = 0; n < d.entries; ++n) {
    if (cd.size() - p < kCentralSize || little(&cd[p], 4) != kCentralSignature)
      throw a.damaged(fmt::format("central directory entry {} is broken", n + 1));
    const unsigned char* c = &cd[p];
    const std::uint64_t method = little(c + 10, 2), crc = little(c + 16, 4);
    std::uint64_t packed = little(c + 20, 4), size = little(c + 24, 4), local = little(c + 42, 4);
    const std::uint64_t name_len = little(c + 28, 2), extra_len = little(c + 30, 2), comment_len = little(c + 32, 2);
    if (cd.size() - p - kCentralSize < name_len + extra_len + comment_len)
      throw a.damaged(fmt::format("central directory entry {} is broken", n + 1));
    const std::string name(reinterpret_cast<const char*>(c + kCentralSize), name_len);
    // ZIP64 sizes and offset replace the 32-bit fields that hold 0xffffffff, in this order.
    for (std::uint64_t x = 0; x + 4 <= extra_len;) {
      const unsigned char* f = c + kCentralSize + name_len + x;
      const std::uint64_t id = little(f, 2), len = little(f + 2, 2);
      if (x + 4 + len > extra_len) throw a.damaged("entry " + name + ": broken extra field");
      if (id == 1) {
        std::uint64_t used = 0;
        for (std::uint64_t* v : {&size, &packed, &local}) {
          if (*v != 0xffffffff) continue;
          if (used + 8 > len) throw a.damaged("entry " + name + ": broken ZIP64 field");
          *v = little(f + 4 + used, 8);
          used += 8;
        }
      }
      x += 4 + len;
    }
    const auto header = a.read(local, kLocalSize, "the local header of " + name);
    if (little(header.data(), 4) != kLocalSignature) throw a.damaged("entry " + name + ": no local header at its offset");
    const std::uint64_t data_at = local + kLocalSize + little(&header[26], 2) + little(&header[28], 2);
    if (data_at > d.offset || packed > d.offset - data_at) throw a.damaged("entry " + name + " overlaps the central directory");
    // LibTorch stores tensor data and deflates its code/ entries; LibTorch would allocate a
    // deflated entry's declared size before inflating (fuzz_checkpoint: 251 bytes declaring 4 GiB).
    if (method == 0) {
      if (packed != size) throw a.damaged("entry " + name + ": stored with two different sizes");
      if (a.crc(data_at, size) != crc) throw a.damaged("entry " + name + " does not match its CRC-32");
    } else if (method == 8) {
      if (a.inflatedCrc(data_at, packed, size, name) != crc) throw a.damaged("entry " + name + " does not match its CRC-32");
    } else {
      throw a.damaged(fmt::format("entry {}: compression method {} (LibTorch writes stored or deflated entries)", name, method));
    }
    p += kCentralSize + name_len + extra_len + comment_len;
  }
}

}  // namespace rgbdsod::core
