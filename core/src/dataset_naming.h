#pragma once
// Internal helpers shared by the dataset scanner and validation (not a public header).
#include <string>
#include <string_view>

#include "rgbdsod/core/sample.h"

namespace rgbdsod::core::detail {

std::string lower(std::string_view text);

// Position of a folder name in folderNames(m) (lower = preferred), or -1 when it is not one.
int folderRank(std::string_view folder_name, Modality m);

// Natural order: digit runs compare by value ("2" < "10"), the rest byte-wise; ties by plain order.
bool naturalLess(std::string_view a, std::string_view b);

}  // namespace rgbdsod::core::detail
