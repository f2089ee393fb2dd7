#pragma once
// Atomic file writes: data goes to a temporary file in the destination folder, is flushed,
// and is renamed over the destination, so a reader never sees a half-written file and a crash
// leaves either the old or the new content.
#include <filesystem>
#include <functional>
#include <string_view>

#include <opencv2/core/mat.hpp>

namespace rgbdsod::core {

// Throws FileError naming the destination when the folder is missing or not writable.
void writeFileAtomic(const std::filesystem::path& dest, std::string_view bytes);

// A unique hidden path beside dest (same folder, so a rename onto dest is atomic), for writers
// that must produce the file themselves (e.g. a plotting library) before renaming it into place.
std::filesystem::path temporarySiblingPath(const std::filesystem::path& dest);

// Writes a new folder as one step: `out` must not exist or be an empty folder (FileError otherwise;
// its parent is created); fill() writes into the temporary sibling <out>.tmp-<pid>, which is flushed
// to disk and renamed to `out` when fill returns and removed when it throws (cancellation included).
// A temporary of that name that already exists may belong to a writer still running and is never
// reused (FileError). Returns `out`, absolute and normalised.
std::filesystem::path writeFolderAtomic(const std::filesystem::path& out,
                                        const std::function<void(const std::filesystem::path& tmp)>& fill);

// Writes a file that must not exist yet, without a temporary or fsync: for the files of a folder
// that writeFolderAtomic puts into place (it flushes the folder before renaming it). Throws
// FileError naming the file with the system's reason ("No space left on device"); a partly
// written file is removed.
void writeNewFile(const std::filesystem::path& file, std::string_view bytes);

// Encodes by the destination's extension (.png, .jpg, .bmp, ...) and writes atomically.
void writeImageAtomic(const std::filesystem::path& dest, const cv::Mat& image);

}  // namespace rgbdsod::core
