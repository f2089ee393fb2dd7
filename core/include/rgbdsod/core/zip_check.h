#pragma once
// A cheap structural check of a ZIP archive (LibTorch's checkpoint format) before it is handed to a
// reader that trusts it. LibTorch 1.13 reads entries without checking their CRC-32 and its
// TorchScript importer crashes on some damaged entries (fuzz_checkpoint found a one-bit change in a
// code/ entry that ends the process with SIGSEGV), so a damaged checkpoint would kill a resumed run
// instead of being named and skipped for the previous one.
#include <filesystem>
#include <iosfwd>

namespace rgbdsod::core {

// Throws FileError naming the file and the problem unless its end record (ZIP64 too), central
// directory and local headers are consistent and inside the file, and every entry (stored, or
// deflated and inflated here in chunks without being kept) has its declared size and CRC-32. Other
// compression methods are refused. Reads the file once, in chunks.
void checkZipArchive(const std::filesystem::path& file);
// The same check of an archive read from `in` (seekable; `file` names it in messages), so that a
// reader can check and then load one open file: a run's trainer may prune that checkpoint in between.
void checkZipArchive(std::istream& in, const std::filesystem::path& file);

}  // namespace rgbdsod::core
