#pragma once
// Helpers shared by the Learn-Select-Fuse test files (models_lsf_tests).
#include <string>

#include <gtest/gtest.h>
#include <torch/nn/module.h>
#include <torch/types.h>
#include <torch/utils.h>

#include "rgbdsod/models/lsf_stream.h"
#include "rgbdsod/models/runtime.h"

namespace rgbdsod::models::testing {

// Two intra-op threads (LibTorch starts with one) and a fixed seed, so every test is repeatable.
inline void initThreads() {
  static const bool once = [] {
    initRuntime(2);
    return true;
  }();
  (void)once;
  torch::manual_seed(7);
}

inline LsfStreamOptions streamOptions(double width, int64_t in_channels) {
  initThreads();
  LsfStreamOptions options;
  options.backbone.backbone = {width, in_channels};
  return options;
}

inline bool startsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// After backward(): every parameter named `trainable`... has a non-zero, finite gradient, and
// every parameter named `frozen`... has none and does not require one. Others are not checked.
inline void expectGradients(const torch::nn::Module& module, const std::string& trainable,
                            const std::string& frozen = "") {
  int checked = 0;
  for (const auto& item : module.named_parameters()) {
    const torch::Tensor& grad = item.value().grad();
    if (!frozen.empty() && startsWith(item.key(), frozen)) {
      EXPECT_FALSE(item.value().requires_grad()) << item.key();
      EXPECT_FALSE(grad.defined()) << item.key();
      ++checked;
    } else if (startsWith(item.key(), trainable)) {
      ASSERT_TRUE(grad.defined()) << "no gradient reaches " << item.key();
      EXPECT_TRUE(torch::isfinite(grad).all().item<bool>()) << item.key();
      EXPECT_GT(grad.abs().sum().item<double>(), 0.0) << "zero gradient at " << item.key();
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
}

}  // namespace rgbdsod::models::testing
