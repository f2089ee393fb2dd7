#pragma once
// Text and JSON renderings of a ValidationReport, shared by the CLI and the studio.
#include <cstddef>
#include <optional>
#include <string>

#include "rgbdsod/core/dataset.h"
#include "rgbdsod/core/validation.h"

namespace rgbdsod::core {

// The polarity in force: the user's override when set, else the detected one (may be unset).
std::optional<DepthPolarity> effectivePolarity(const Dataset& dataset, const ValidationReport& report);

// Human-readable report: header, layout, counts, polarity with evidence, then up to
// max_problems problems (errors first), one per line, with a count of those left out.
std::string formatValidationText(const Dataset& dataset, const ValidationReport& report, std::size_t max_problems);

// Machine-readable report (stable keys: root, samples, valid, errors, warnings, polarity{...}, problems[...]).
std::string formatValidationJson(const Dataset& dataset, const ValidationReport& report);

}  // namespace rgbdsod::core
