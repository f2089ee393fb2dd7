// rgbdsod runtime: what LibTorch this build runs on (version, CUDA devices, intra-op threads).
#include <cstdio>

#include <fmt/format.h>

#include "commands.h"
#include "helper_commands.h"
#include "rgbdsod/core/version.h"
#include "rgbdsod/models/runtime.h"
#ifdef RGBDSOD_HAVE_CUDA_PROBE
#include "rgbdsod/models/cuda_probe.h"
#endif

namespace rgbdsod::cli {

std::string runtimeText() {
  const auto rt = models::runtimeInfo();
  std::string text = fmt::format("rgbdsod {}\nLibTorch {} ({}), {} intra-op threads", kVersion, rt.torch_version,
                                 rt.cuda_available ? fmt::format("CUDA, {} devices", rt.cuda_devices) : std::string("CPU"),
                                 rt.intra_op_threads);
#ifdef RGBDSOD_HAVE_CUDA_PROBE
  const auto probe = models::probeCuda();
  text += fmt::format("\nbuilt with CUDA kernels; CUDA runtime: {} device(s), {}", probe.devices, probe.status);
  if (!probe.first_name.empty()) text += fmt::format(" ({})", probe.first_name);
  text += fmt::format("\nown kernel on a torch CUDA tensor: {}", models::probeCudaOnTorchTensor());
#endif
  return text;
}

void addRuntimeCommand(CLI::App& app, const GlobalOptions& /*globals*/, int& exit_code) {
  CLI::App* cmd = app.add_subcommand("runtime", helperSummary("runtime"));
  cmd->callback([&exit_code] {
    std::printf("%s\n", runtimeText().c_str());
    exit_code = kExitOk;
  });
}

}  // namespace rgbdsod::cli
