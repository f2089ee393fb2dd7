#include "rgbdsod/core/errors.h"

#include "rgbdsod/core/progress.h"

namespace rgbdsod::core {

FileError::FileError(std::filesystem::path file, std::string problem)
    : Error(file.string() + ": " + problem), file_(std::move(file)), problem_(std::move(problem)) {}

void JobContext::throwIfCancelled() const {
  if (cancel.cancelled()) throw Cancelled();
}

}  // namespace rgbdsod::core
