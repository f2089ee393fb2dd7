// Git-style helper executables of the front end (see helper_commands.h).
#include "helper_commands.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <set>

#include <fmt/format.h>

namespace fs = std::filesystem;

namespace rgbdsod::cli {
namespace {

constexpr const char* kEngine = "rgbdsod-engine";

// The folders a helper may be in: beside the running executable (the build tree, a relocated
// install) and the installed libexec folder.
std::vector<fs::path> helperDirs() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  const fs::path dir = self.parent_path();
  return {dir, dir.parent_path() / "libexec" / "rgbdsod"};
}

}  // namespace

const std::vector<HelperCommand>& helperCommands() {
  static const std::vector<HelperCommand> all = [] {
    std::vector<HelperCommand> v{
        {"train", "Train a stage or a recipe into a run folder (Ctrl-C: checkpoint and stop)", kEngine},
        {"infer", "Predict saliency maps with a trained run", kEngine},
        {"runtime", "Show the LibTorch runtime: version, devices, threads", kEngine},
    };
#ifdef RGBDSOD_HAVE_PLOT
    v.push_back({"plot", "Draw PR / F-measure / E-measure curve figures (PNG, PDF, SVG)", "rgbdsod-plot"});
    v.push_back({"figure", "Build a qualitative figure: RGB, depth, GT and methods' maps per sample (PDF, PNG, SVG)",
                 "rgbdsod-plot"});
#endif
    return v;
  }();
  return all;
}

const std::string& helperSummary(const std::string& name) {
  for (const HelperCommand& c : helperCommands())
    if (c.name == name) return c.summary;
  static const std::string none;
  return none;
}

std::string commandWord(int argc, char** argv) {
  static const std::set<std::string> globals{"-q", "--quiet", "-v", "-vv", "-vvv", "--verbose"};
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (globals.count(a) != 0) continue;
    return a.empty() || a.front() == '-' ? std::string() : a;
  }
  return {};
}

void addHelperCommands(CLI::App& app) {
  for (const HelperCommand& c : helperCommands()) {
    CLI::App* cmd = app.add_subcommand(c.name, c.summary);
    cmd->allow_extras();
    cmd->set_help_flag();  // `rgbdsod train --help` is answered by the helper itself
  }
}

std::optional<fs::path> findHelper(const std::string& helper, std::vector<fs::path>* tried) {
  for (const fs::path& dir : helperDirs()) {
    const fs::path path = dir / helper;
    if (tried != nullptr) tried->push_back(path);
    if (::access(path.c_str(), X_OK) == 0) return path;
  }
  return std::nullopt;
}

int execHelper(const std::string& helper, int argc, char** argv) {
  std::vector<fs::path> tried;
  if (const std::optional<fs::path> path = findHelper(helper, &tried)) {
    std::vector<char*> args(argv, argv + argc);
    const std::string path_text = path->string();
    args[0] = const_cast<char*>(path_text.c_str());
    args.push_back(nullptr);
    ::execv(path_text.c_str(), args.data());
    std::fprintf(stderr, "%s", fmt::format("rgbdsod: cannot run {}: {}\n", path_text, std::strerror(errno)).c_str());
    return 2;
  }
  std::string where;
  for (const fs::path& p : tried) where += (where.empty() ? "" : ", ") + p.string();
  std::fprintf(stderr, "%s",
               fmt::format("rgbdsod: '{}' runs in the helper program {}, which is missing (looked for {}); "
                           "build or install it with rgbdsod\n",
                           commandWord(argc, argv), helper, where)
                   .c_str());
  return 2;
}

}  // namespace rgbdsod::cli
