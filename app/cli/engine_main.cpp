// rgbdsod-engine: the commands that run networks (train, infer, runtime). The front end
// `rgbdsod` execs it with the user's arguments (helper_commands.h); it is the only rgbdsod
// command-line program that loads LibTorch.
#include "cli_app.h"
#include "commands.h"
#include "rgbdsod/models/runtime.h"

int main(int argc, char** argv) {
  using namespace rgbdsod;
  models::initRuntime();  // Debian's LibTorch starts with one thread: use every core
  cli::CliFrame frame;
  frame.app.set_version_flag("--version", cli::runtimeText);
  cli::addTrainCommand(frame.app, frame.globals, frame.exit_code);
  cli::addInferCommand(frame.app, frame.globals, frame.exit_code);
  cli::addRuntimeCommand(frame.app, frame.globals, frame.exit_code);
  return frame.run(argc, argv);
}
