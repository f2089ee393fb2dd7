#pragma once
// Runs the real rgbdsod binary (RGBDSOD_CLI_PATH) through the shell and captures its output, for
// end-to-end tests of the command line.
#include <filesystem>
#include <string>

namespace rgbdsod::test {

struct CliResult {
  int code = -1;    // exit status; 128 + N when killed by signal N (as a shell reports it)
  std::string out;  // stdout
  std::string err;  // stderr
};

// `args` is appended to the binary's path as shell words (quote paths with shellQuote); `env` is
// prepended as assignments ("XDG_CACHE_HOME=/tmp/x").
CliResult runCli(const std::string& args, const std::string& env = {});
// Any shell command line (already quoted), captured the same way.
CliResult runCommand(const std::string& command, const std::string& env = {});

std::string shellQuote(const std::string& s);
std::string shellQuote(const std::filesystem::path& p);
std::string readFileText(const std::filesystem::path& p);

}  // namespace rgbdsod::test
