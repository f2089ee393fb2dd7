// rgbdsod train: runs one training stage into a run folder, or resumes it.
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "commands.h"
#include "interrupt.h"
#include "progress_bar.h"
#include "rgbdsod/training/config.h"
#include "rgbdsod/training/job.h"

namespace rgbdsod::cli {

void addTrainCommand(CLI::App& app, const GlobalOptions& globals, int& exit_code) {
  auto req = std::make_shared<training::TrainRequest>();
  auto config_file = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("train", "Train a stage into a run folder (Ctrl-C: checkpoint and stop)");
  std::string stages;
  for (const auto& n : training::stageNames()) stages += (stages.empty() ? "" : ", ") + n;
  cmd->add_option("--stage", req->stage, "Stage to train: " + stages + " (optional with --resume)");
  cmd->add_option("--data,-d", req->data, "Dataset folder, or a folder with train/")->required();
  cmd->add_option("--out,-o", req->run, "Run folder (config, log, metrics.jsonl, checkpoints)")->required();
  cmd->add_option("--config,-c", *config_file, "JSON file overlaying the stage's defaults");
  cmd->add_option("--set", req->overrides, "Override a config key: --set optim.lr=0.001 (repeatable)");
  cmd->add_flag("--resume", req->resume, "Continue the run from its newest loadable checkpoint");

  cmd->callback([req, config_file, &globals, &exit_code] {
    if (req->stage.empty() && !req->resume) throw CLI::RequiredError("--stage");
    req->config_file = *config_file;
    ProgressBar bar(globals.showProgress());
    auto progress = [&bar](const training::TrainProgress& p) {
      if (!p.message.empty() && p.message.rfind("warning: ", 0) == 0) spdlog::warn("{}", p.message.substr(9));
      if (p.step == 0) return;
      bar.update(core::ProgressEvent{p.stage, static_cast<std::size_t>(p.step), static_cast<std::size_t>(p.total_steps),
                                     fmt::format("loss {:.4f}", p.loss)});
    };
    const training::TrainResult r = training::runTraining(*req, progress, interruptToken());
    bar.finish();
    switch (r.outcome) {
      case training::TrainOutcome::Finished:
        if (!globals.quiet)
          std::printf("%s", fmt::format("{}; checkpoint {}\n", r.message, r.checkpoint.string()).c_str());
        exit_code = kExitOk;
        break;
      case training::TrainOutcome::Stopped:
        spdlog::warn("checkpoint {}", r.checkpoint.string());  // the trainer logged why it stopped
        exit_code = kExitFindings;
        break;
      default:
        spdlog::error("{}", r.message);
        exit_code = kExitFailure;
    }
  });
}

}  // namespace rgbdsod::cli
