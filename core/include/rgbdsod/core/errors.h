#pragma once
// Error types of the core layer. Every error about a file names the file and the problem,
// so a user can act on the message without a debugger.
#include <filesystem>
#include <stdexcept>
#include <string>

namespace rgbdsod::core {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An error about one file or folder: what() reads "<path>: <problem>".
class FileError : public Error {
 public:
  FileError(std::filesystem::path file, std::string problem);
  const std::filesystem::path& file() const noexcept { return file_; }
  const std::string& problem() const noexcept { return problem_; }

 private:
  std::filesystem::path file_;
  std::string problem_;
};

// Thrown by long jobs when their CancelToken was triggered.
class Cancelled : public Error {
 public:
  Cancelled() : Error("cancelled") {}
};

}  // namespace rgbdsod::core
