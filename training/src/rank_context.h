#pragma once
// The trainer's view of the ranks of a data-parallel job: one rank (no launcher) or the process
// group of a torchrun / SLURM job. Rank 0 decides what the run starts from (config, checkpoint)
// and writes the run folder; the step's loss and stop flag are the ranks' mean and "any".
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "rgbdsod/training/distributed.h"

namespace rgbdsod::training {

class RankContext {
 public:
  // From the process environment; joins (once per process) the ranks' process group.
  static RankContext fromEnvironment(int timeout_seconds);

  bool distributed() const noexcept { return group_ != nullptr; }
  bool writes() const noexcept { return env_.rank == 0; }  // the run folder, log, checkpoints
  const DistEnv& env() const noexcept { return env_; }
  ProcessGroup& group() { return *group_; }

  // Runs `make` on rank 0 and hands its result (or its error, as core::Error) to every rank.
  std::string fromRankZero(const std::string& key, const std::function<std::string()>& make);

  // The step's loss and terms averaged over the ranks (equal shards: the global batch's mean) and
  // whether any rank asked to stop, so that every rank takes the same decision.
  void reduceStep(double& loss, std::map<std::string, double>& terms, bool& stop);

 private:
  DistEnv env_;
  std::shared_ptr<ProcessGroup> group_;
  int sequence_ = 0;  // a job of several runs (a recipe) shares keys under its run's number
};

}  // namespace rgbdsod::training
