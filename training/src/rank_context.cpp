#include "rank_context.h"

#include <mutex>
#include <vector>

#include <spdlog/spdlog.h>
#include <torch/types.h>

#include "rgbdsod/core/errors.h"

namespace rgbdsod::training {

namespace {

// One process group per process: a recipe's stages reuse it (c10d matches the ranks' collectives
// in order, and every rank runs the same stages).
struct SharedGroup {
  std::mutex mutex;
  std::shared_ptr<ProcessGroup> group;
  int runs = 0;
};

SharedGroup& shared() {
  static SharedGroup s;
  return s;
}

}  // namespace

RankContext RankContext::fromEnvironment(int timeout_seconds) {
  RankContext ctx;
  ctx.env_ = readDistEnv();
  if (!ctx.env_.distributed()) return ctx;
  SharedGroup& s = shared();
  std::lock_guard lock(s.mutex);
  if (!s.group) {
    s.group = ProcessGroup::connect(ctx.env_, std::chrono::seconds(timeout_seconds));
    spdlog::info("rank {} of {} (local {} of {}, {}), process group at {}:{}", ctx.env_.rank, ctx.env_.world,
                 ctx.env_.local_rank, ctx.env_.local_world, ctx.env_.launcher, ctx.env_.master_addr,
                 ctx.env_.master_port);
  }
  ctx.group_ = s.group;
  ctx.sequence_ = ++s.runs;
  return ctx;
}

std::string RankContext::fromRankZero(const std::string& key, const std::function<std::string()>& make) {
  if (!distributed()) return make();
  const std::string full = "run" + std::to_string(sequence_) + "/" + key;
  if (writes()) {
    std::string value;
    try {
      value = make();
    } catch (const std::exception& e) {
      group_->publish(full, std::string("error\n") + e.what());
      throw;
    }
    group_->publish(full, "ok\n" + value);
    return value;
  }
  const std::string got = group_->fetch(full);
  const auto nl = got.find('\n');
  const std::string status = got.substr(0, nl);
  const std::string value = nl == std::string::npos ? std::string() : got.substr(nl + 1);
  if (status != "ok") throw core::Error("rank 0 could not start the run: " + value);
  return value;
}

void RankContext::reduceStep(double& loss, std::map<std::string, double>& terms, bool& stop) {
  if (!distributed()) return;
  std::vector<double> values{loss, stop ? 1.0 : 0.0};
  for (const auto& [name, v] : terms) values.push_back(v);  // a std::map: the same order on every rank
  std::vector<torch::Tensor> t{torch::tensor(values, torch::kFloat64)};
  group_->allReduceSum(t, "the step's loss all-reduce");
  const auto* sum = t.front().data_ptr<double>();
  const double n = static_cast<double>(env_.world);
  loss = sum[0] / n;
  stop = sum[1] > 0.0;
  std::size_t i = 2;
  for (auto& [name, v] : terms) v = sum[i++] / n;
}

}  // namespace rgbdsod::training
