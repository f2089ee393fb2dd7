#include "cli_runner.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <iterator>

#include "test_support.h"

namespace fs = std::filesystem;

namespace rgbdsod::test {

std::string readFileText(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

std::string shellQuote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string shellQuote(const fs::path& p) { return shellQuote(p.string()); }

CliResult runCli(const std::string& args, const std::string& env) {
  return runCommand(shellQuote(std::string(RGBDSOD_CLI_PATH)) + " " + args, env);
}

CliResult runCommand(const std::string& command, const std::string& env) {
  TempDir scratch("rgbdsod-cli-err");
  const fs::path err_file = scratch / "stderr.txt";
  // stderr goes to a file: reading two pipes from popen would need threads.
  const std::string cmd = (env.empty() ? "" : env + " ") + command + " 2>" + shellQuote(err_file);
  CliResult r;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) return r;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) r.out.append(buf.data(), n);
  const int status = ::pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
  r.err = readFileText(err_file);
  return r;
}

}  // namespace rgbdsod::test
