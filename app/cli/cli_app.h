#pragma once
// The frame shared by rgbdsod's executables (the torch-free front end and its helpers): the
// program name, the global flags, logging, error reporting and exit codes. Every executable
// builds its CLI::App through here, so help and flags read the same whichever one runs.
#include <string>

#include <CLI/CLI.hpp>

#include "commands.h"

namespace rgbdsod::cli {

struct CliFrame {
  CLI::App app{"rgbdsod: RGB-D salient object detection workbench", "rgbdsod"};
  GlobalOptions globals;
  int exit_code = kExitOk;

  CliFrame();
  // Parses and runs the chosen command; returns the process exit code.
  int run(int argc, char** argv);
};

}  // namespace rgbdsod::cli
