// rgbdsod infer: predictions of a trained run as 8-bit PNGs at the GT's size, ready for evaluation.
#include <cstdio>
#include <string>

#include <fmt/format.h>

#include "commands.h"
#include "helper_commands.h"
#include "interrupt.h"
#include "progress_bar.h"
#include "rgbdsod/training/inference.h"

namespace rgbdsod::cli {

void addInferCommand(CLI::App& app, const GlobalOptions& globals, int& exit_code) {
  auto req = std::make_shared<training::InferRequest>();
  CLI::App* cmd = app.add_subcommand("infer", helperSummary("infer"));
  cmd->add_option("--run,-r", req->run, "Run folder written by rgbdsod train")->required();
  cmd->add_option("--data,-d", req->data, "Dataset folder, or a folder of datasets (one output folder each)")->required();
  cmd->add_option("--out,-o", req->out, "Output folder for <name>.png predictions")->required();
  cmd->add_option("--device", req->device, "Where the network runs: auto (CUDA when there is one), cpu, cuda, cuda:N")
      ->capture_default_str();
  cmd->add_flag("--sides", req->sides, "Also write side outputs and foreground/background maps under sides/");
  cmd->add_flag("--depth-as-rgb", req->depth_as_rgb,
                "Feed the depth map to an RGB-only network (the zero-shot baseline of cross-modal transfer)");
  cmd->add_option("--samples", req->samples,
                  "Only these samples (names as in the dataset, comma-separated: a,b,c); default all")
      ->delimiter(',');

  cmd->callback([req, &globals, &exit_code] {
    ProgressBar bar(globals.showProgress());
    const core::JobContext job{bar.callback(), interruptToken()};
    const training::InferSummary s = training::runInference(*req, job);
    bar.finish();
    if (!globals.quiet)
      std::printf("%s", fmt::format("wrote {} predictions to {} (checkpoint {})\n", s.images, req->out.string(),
                                    s.checkpoint.filename().string()).c_str());
    exit_code = kExitOk;
  });
}

}  // namespace rgbdsod::cli
