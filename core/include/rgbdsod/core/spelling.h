#pragma once
// "Did you mean ...?" for names typed by a user (commands, stages, recipes, config keys).
#include <optional>
#include <string>
#include <vector>

namespace rgbdsod::core {

// Optimal-string-alignment distance (Levenshtein plus adjacent transpositions), case-insensitive.
std::size_t editDistance(const std::string& a, const std::string& b);

// The candidate nearest to `word`, when it is near enough to be a likely typo (distance at most
// max(1, length / 3), and at most 3); ties go to the first candidate.
std::optional<std::string> closestName(const std::string& word, const std::vector<std::string>& candidates);

// " (did you mean 'x'?)" or "" when no candidate is close: ready to append to an error message.
std::string didYouMean(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace rgbdsod::core
