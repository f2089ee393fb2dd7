// rgbdsod train: runs one training stage into a run folder, or resumes it.
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "commands.h"
#include "helper_commands.h"
#include "interrupt.h"
#include "progress_bar.h"
#include "rgbdsod/training/config.h"
#include "rgbdsod/training/job.h"
#include "rgbdsod/training/recipe.h"

namespace rgbdsod::cli {

void addTrainCommand(CLI::App& app, const GlobalOptions& globals, int& exit_code) {
  auto req = std::make_shared<training::TrainRequest>();
  auto config_file = std::make_shared<std::string>();
  auto recipe = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("train", helperSummary("train"));
  std::string stages, recipes;
  for (const auto& n : training::stageNames()) stages += (stages.empty() ? "" : ", ") + n;
  for (const auto& r : training::recipes()) recipes += (recipes.empty() ? "" : ", ") + r.name;
  auto* stage_opt = cmd->add_option("--stage", req->stage, "Stage to train: " + stages + " (optional with --resume)");
  auto* recipe_opt = cmd->add_option("--recipe", *recipe,
                                     "A paper's stages in a row, each in <out>/<i>-<step>: " + recipes);
  stage_opt->excludes(recipe_opt);
  cmd->add_option("--data,-d", req->data, "Dataset folder, or a folder with train/")->required();
  cmd->add_option("--out,-o", req->run, "Run folder (config, log, metrics.jsonl, checkpoints)")->required();
  cmd->add_option("--config,-c", *config_file, "JSON file overlaying the stage's defaults");
  cmd->add_option("--set", req->overrides,
                  "Override a config key: --set optim.lr=0.001 (repeatable); with --recipe, for every stage that has "
                  "the key, or one stage: --set distill.run.steps=500");
  cmd->add_flag("--resume", req->resume, "Continue the run from its newest loadable checkpoint");

  cmd->callback([req, config_file, recipe, &globals, &exit_code] {
    const bool recipe_folder = std::filesystem::exists(req->run / "recipe.json");
    const bool as_recipe = !recipe->empty() || (req->resume && req->stage.empty() && recipe_folder);
    if (req->stage.empty() && !as_recipe && !req->resume) throw CLI::RequiredError("--stage or --recipe");
    if (as_recipe && !config_file->empty())
      throw CLI::ValidationError("--config", "applies to one stage; with --recipe use --set [step.]key=value");
    req->config_file = *config_file;
    ProgressBar bar(globals.showProgress());
    auto progress = [&bar](const training::TrainProgress& p) {
      if (!p.message.empty() && p.message.rfind("warning: ", 0) == 0) spdlog::warn("{}", p.message.substr(9));
      if (p.step == 0) return;
      bar.update(core::ProgressEvent{p.stage, static_cast<std::size_t>(p.step), static_cast<std::size_t>(p.total_steps),
                                     fmt::format("loss {:.4f}", p.loss)});
    };
    training::TrainResult r;
    if (as_recipe) {
      const training::RecipeResult rr = training::runRecipe(
          {*recipe, req->data, req->run, req->overrides, req->resume}, progress, interruptToken());
      bar.finish();
      r = training::summaryResult(rr);
      if (!globals.quiet)
        for (const auto& [step, result] : rr.steps)
          std::printf("%s", fmt::format("  {}: {} at step {}\n", step, result.message, result.step).c_str());
    } else {
      r = training::runTraining(*req, progress, interruptToken());
      bar.finish();
    }
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
