#include "bench_inspect_forward.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include <torch/torch.h>

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
  if (stage->needs().depth) input.depth = torch::rand({1, 1, size, size});
  stage->predict(input);  // warm-up (oneDNN primitives)
  std::vector<double> ms;
  for (int i = 0; i < repeats; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    const models::Prediction p = stage->predict(input);
    (void)training::saliencyProbability(p).sum().item<float>();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

}  // namespace rgbdsod::bench
