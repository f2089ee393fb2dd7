#pragma once
// Finding a sample's map in a prediction folder the way `rgbdsod eval` pairs them: the file's stem,
// then the stem with known suffixes and the folder's (method's) name stripped. Plain function, for
// workers.
#include <filesystem>
#include <string>

namespace rgbdsod::ui {

// Empty when no file pairs with `name`; throws core::FileError when the folder cannot be listed.
std::filesystem::path predictionFileFor(const std::filesystem::path& folder, const std::string& name);

}  // namespace rgbdsod::ui
