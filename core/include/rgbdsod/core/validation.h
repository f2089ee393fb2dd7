#pragma once
// Dataset validation: lists every per-file problem without stopping at the first one.
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "rgbdsod/core/dataset.h"
#include "rgbdsod/core/depth.h"
#include "rgbdsod/core/progress.h"

namespace rgbdsod::core {

enum class Severity { Warning, Error };

enum class ProblemKind {
  MissingRgb,     // error: depth/GT without an RGB partner
  MissingDepth,   // error
  MissingGt,      // error (only in labeled datasets)
  DuplicateName,  // error: two files of one modality pair to the same name
  NotAnImage,     // warning: a non-image file in a modality folder
  Unreadable,     // error: exists but cannot be opened (permissions, I/O)
  Corrupt,        // error: opened but does not decode, or has an unusable format
  SizeMismatch,   // error: RGB, depth and GT differ in size
  EmptyGt,        // warning: GT has no foreground pixel (> 128)
  ConstantDepth,  // warning: depth has a single value
};

const char* toString(ProblemKind k);  // "missing-gt", "size-mismatch", ...
Severity severityOf(ProblemKind k);

struct Problem {
  ProblemKind kind;
  Severity severity;
  std::string sample;           // sample name; empty for stray files
  std::filesystem::path file;   // the file concerned
  std::string message;          // human-readable detail, e.g. "RGB 640x480, GT 320x240"
};

struct ValidationReport {
  std::filesystem::path root;
  std::size_t samples = 0;  // samples found (complete or not)
  std::size_t valid = 0;    // samples without an error
  std::vector<Problem> problems;
  PolarityEstimate polarity;  // detected on valid samples

  std::size_t errors() const;
  std::size_t warnings() const;
  bool ok() const { return errors() == 0; }
  // One line, e.g. "7 valid of 7 samples, 0 errors, 0 warnings; depth: near-bright (...)".
  std::string summary() const;
};

// Reads every file once. Reports progress per sample ("validate") and honours cancellation
// (throws Cancelled).
ValidationReport validate(const Dataset& dataset, const JobContext& job = {});

}  // namespace rgbdsod::core
