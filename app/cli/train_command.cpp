// rgbdsod train: runs one training stage into a run folder, or resumes it.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "commands.h"
#include "helper_commands.h"
#include "interrupt.h"
#include "progress_bar.h"
#include "rgbdsod/training/config.h"
#include "rgbdsod/training/config_schema.h"
#include "rgbdsod/training/job.h"
#include "rgbdsod/training/recipe.h"

namespace rgbdsod::cli {
namespace {

// `--keys STAGE`: the stage's schema, one key a line (key, kind, default, range or choices, help).
void printKeys(const std::string& stage, bool as_json) {
  const auto schema = training::configSchema(stage);
  if (as_json) {
    std::printf("%s\n", training::schemaToJson(schema).dump(2).c_str());
    return;
  }
  const auto bound = [](const training::KeySpec& s, double b) {
    return s.kind == training::KeyKind::Integer && std::abs(b) < 9e18
               ? fmt::format("{}", static_cast<long long>(b)) : fmt::format("{}", b);
  };
  std::vector<std::array<std::string, 5>> rows;
  for (const auto& s : schema) {
    std::string range;
    if (!s.choices.empty()) range = fmt::format("{}", fmt::join(s.choices, "|"));
    else if (!s.link_stages.empty()) range = fmt::format("run of {}", fmt::join(s.link_stages, "|"));
    else if (std::isfinite(s.min) || std::isfinite(s.max)) range = "[" + bound(s, s.min) + ", " + bound(s, s.max) + "]";
    if (s.multiple_of > 0) range += fmt::format(" x{}", s.multiple_of);
    rows.push_back({s.key, training::toString(s.kind), s.value.dump(), range, s.help});
  }
  std::array<std::size_t, 4> width{};
  for (const auto& r : rows)
    for (std::size_t i = 0; i < width.size(); ++i) width[i] = std::max(width[i], r[i].size());
  for (const auto& r : rows)
    std::printf("%s", fmt::format("{:<{}}  {:<{}}  {:<{}}  {:<{}}  {}\n", r[0], width[0], r[1], width[1], r[2], width[2],
                                  r[3], width[3], r[4]).c_str());
}

}  // namespace

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
  auto keys = std::make_shared<std::string>();
  auto keys_json = std::make_shared<bool>(false);
  auto* keys_opt = cmd->add_option("--keys", *keys, "Print a stage's config keys (kind, default, range, help) and exit");
  keys_opt->excludes(stage_opt)->excludes(recipe_opt);
  cmd->add_flag("--json", *keys_json, "With --keys: print the schema as JSON")->needs(keys_opt);
  // Required unless --keys (checked in the callback: CLI11 has no conditional requirement).
  cmd->add_option("--data,-d", req->data, "Dataset folder, or a folder with train/ (required)");
  cmd->add_option("--out,-o", req->run, "Run folder (config, log, metrics.jsonl, checkpoints) (required)");
  cmd->add_option("--config,-c", *config_file, "JSON file overlaying the stage's defaults");
  cmd->add_option("--set", req->overrides,
                  "Override a config key: --set optim.lr=0.001 (repeatable); with --recipe, for every stage that has "
                  "the key, or one stage: --set distill.run.steps=500");
  cmd->add_flag("--resume", req->resume,
                "Continue the run from its newest loadable checkpoint (with none yet: start it, so that a launcher "
                "can repeat one command)");
  cmd->add_option("--dist-timeout", req->dist_timeout_seconds,
                  "Under torchrun / SLURM: seconds a rank waits for the others (rendezvous, each collective)")
      ->check(CLI::Range(1, 86400));
  auto no_overlap = std::make_shared<bool>(false);
  cmd->add_flag("--dist-no-overlap", *no_overlap, "Under torchrun / SLURM: all-reduce the gradients after the "
                                                        "backward pass instead of during it");

  cmd->callback([req, config_file, recipe, keys, keys_json, no_overlap, &globals, &exit_code] {
    if (!keys->empty()) {
      printKeys(*keys, *keys_json);
      exit_code = kExitOk;
      return;
    }
    if (req->data.empty()) throw CLI::RequiredError("--data");
    if (req->run.empty()) throw CLI::RequiredError("--out");
    const bool recipe_folder = std::filesystem::exists(req->run / "recipe.json");
    const bool as_recipe = !recipe->empty() || (req->resume && req->stage.empty() && recipe_folder);
    if (req->stage.empty() && !as_recipe && !req->resume) throw CLI::RequiredError("--stage or --recipe");
    if (as_recipe && !config_file->empty())
      throw CLI::ValidationError("--config", "applies to one stage; with --recipe use --set [step.]key=value");
    req->config_file = *config_file;
    req->dist_overlap = !*no_overlap;
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
        // A rank other than 0 of a data-parallel job writes no checkpoint.
        if (!globals.quiet && r.checkpoint.empty()) std::printf("%s\n", r.message.c_str());
        else if (!globals.quiet)
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
