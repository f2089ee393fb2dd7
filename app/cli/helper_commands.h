#pragma once
// Git-style helpers: commands whose code lives in another executable beside the front end.
// `rgbdsod train` execs `rgbdsod-engine train` (LibTorch) and `rgbdsod plot` execs `rgbdsod-plot`
// (Qt), so every other command starts without loading LibTorch or Qt (~0.4 s and ~30 ms each).
// The front end knows the helpers' command names and help lines, never their code.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace rgbdsod::cli {

struct HelperCommand {
  std::string name;     // the command word: "train"
  std::string summary;  // its line in `rgbdsod --help`
  std::string helper;   // the executable that runs it: "rgbdsod-engine"
};

// The helper commands of this build (plot and figure only when it was built with Qt).
const std::vector<HelperCommand>& helperCommands();

// The help line of a helper command, for the helper's own registration (one text in both places).
const std::string& helperSummary(const std::string& name);

// The command word of a command line: the first argument after the global flags (-v, -q, ...);
// empty when there is none, or when a help or version flag comes first.
std::string commandWord(int argc, char** argv);

// Lists the helper commands in the front end's help; they accept any arguments (never parsed
// here: the front end execs before parsing).
void addHelperCommands(CLI::App& app);

// The executable `helper` where execHelper looks for it (beside this executable, then
// ../libexec/rgbdsod/), or nullopt; `tried` (optional) receives every path looked at. For commands
// that run a helper as a child (`rgbdsod figure` runs `rgbdsod-engine infer`).
std::optional<std::filesystem::path> findHelper(const std::string& helper, std::vector<std::filesystem::path>* tried = nullptr);

// Replaces this process with `helper` (found beside this executable, or in ../libexec/rgbdsod/),
// same arguments, same environment, same process id (signals reach it as before). Returns only
// on failure, after printing why; the return value is the exit code to use.
int execHelper(const std::string& helper, int argc, char** argv);

}  // namespace rgbdsod::cli
