#pragma once
// Sub-commands of the rgbdsod CLI. Each registers its options on the parent app and returns
// the exit code through the shared CommandResult when it runs.
#include <string>

#include <CLI/CLI.hpp>

namespace rgbdsod::cli {

struct GlobalOptions {
  int verbosity = 0;  // -v: 1, -vv: 2, --quiet: -1
  bool quiet = false;
  bool showProgress() const { return !quiet; }
};

// Exit codes: 0 success, 1 the job found errors (e.g. an invalid dataset), 2 it could not run.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFindings = 1;
inline constexpr int kExitFailure = 2;

void addSynthCommand(CLI::App& app, const GlobalOptions& globals, int& exit_code);
void addNoiseCommand(CLI::App& app, const GlobalOptions& globals, int& exit_code);
void addDatasetCommand(CLI::App& app, const GlobalOptions& globals, int& exit_code);
void addHhaCommand(CLI::App& app, const GlobalOptions& globals, int& exit_code);
void addEvalCommand(CLI::App& app, const GlobalOptions& globals, int& exit_code);
void addLabelsCommand(CLI::App& app, const GlobalOptions& globals, int& exit_code);  // labels rank / apply
void addPlotCommand(CLI::App& app, const GlobalOptions& globals, int& exit_code);
void addFigureCommand(CLI::App& app, const GlobalOptions& globals, int& exit_code);  // rgbdsod-plot
void addTrainCommand(CLI::App& app, const GlobalOptions& globals, int& exit_code);
void addInferCommand(CLI::App& app, const GlobalOptions& globals, int& exit_code);
void addRuntimeCommand(CLI::App& app, const GlobalOptions& globals, int& exit_code);

// The engine's version text: LibTorch version, device, threads (loads LibTorch).
std::string runtimeText();

}  // namespace rgbdsod::cli
