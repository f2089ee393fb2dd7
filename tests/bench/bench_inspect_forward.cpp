#include "bench_inspect_forward.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include <torch/torch.h>

#include "rgbdsod/core/depth_modality.h"
#include "rgbdsod/training/checkpoint.h"
#include "rgbdsod/training/run_folder.h"
#include "rgbdsod/training/stage.h"

namespace rgbdsod::bench {

double medianForwardMs(const std::filesystem::path& run, int size, int repeats) {
  const training::TrainConfig config = training::readRunConfig(run);
  auto stage = training::makeStage(config);
  training::loadRunWeights(run, stage->model());
  stage->model().eval();
  torch::NoGradGuard no_grad;
  models::NetworkInput input;
  input.rgb = torch::randn({1, 3, size, size});
  // The depth input as the run feeds it: 1 channel (raw, disparity) or 3 (raw3, HHA).
  if (stage->needs().depth) input.depth = torch::rand({1, core::channels(config.data.depth), size, size});
  for (int i = 0; i < 2; ++i) stage->predict(input);  // warm-up (oneDNN primitives, allocator)
  std::vector<double> ms;
  for (int i = 0; i < std::max(1, repeats); ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    const models::Prediction p = stage->predict(input);
    (void)training::saliencyProbability(p).sum().item<float>();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  const std::size_t n = ms.size();
  return n % 2 == 1 ? ms[n / 2] : 0.5 * (ms[n / 2 - 1] + ms[n / 2]);
}

}  // namespace rgbdsod::bench
