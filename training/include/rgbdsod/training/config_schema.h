#pragma once
// The schema of a stage's configuration: every leaf key of the stage's defaults with its kind,
// default, allowed range or choices, and a help text. The studio builds its configuration form from
// it, `rgbdsod train --keys STAGE` prints it, and resolveConfig checks every value against it, so the
// form and `--set` refuse the same values with the same message. Torch-free.
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rgbdsod::training {

enum class KeyKind {
  Bool,
  Integer,
  Number,
  String,   // free text
  Choice,   // one of `choices`
  Path,     // a file (e.g. a torchvision weights archive); empty = none
  RunLink,  // an earlier run folder (e.g. model.teacher); empty = none
};
const char* toString(KeyKind kind);

struct KeySpec {
  std::string key;             // dotted, "optim.lr"
  KeyKind kind = KeyKind::String;
  nlohmann::json value;        // the stage's default
  double min = -std::numeric_limits<double>::infinity();  // Integer / Number, inclusive
  double max = std::numeric_limits<double>::infinity();
  int multiple_of = 0;                   // Integer: the value must be a multiple of it (0 = any)
  std::vector<std::string> choices;      // Choice
  std::vector<std::string> link_stages;  // RunLink: the stages whose runs fit (model.teacher -> teacher)
  std::string help;                      // one or two sentences; the paper's value where it has one
};

// Every leaf key of stageDefaults(stage), in the defaults' order. Throws ConfigError for an unknown stage.
std::vector<KeySpec> configSchema(const std::string& stage);
// The spec of one key of a stage, or nullptr.
const KeySpec* findKeySpec(const std::vector<KeySpec>& schema, const std::string& key);
// The schema as a JSON array of {key, kind, default, help, and min / max / multiple_of / choices /
// link_stages where they apply}: what `rgbdsod train --keys STAGE --json` prints.
nlohmann::json schemaToJson(const std::vector<KeySpec>& schema);

}  // namespace rgbdsod::training
