#include "rgbdsod/training/batch_loader.h"

#include "rgbdsod/core/errors.h"
#include "rgbdsod/training/sample_tensors.h"

namespace rgbdsod::training {

void appendTensors(const AugmentedSample& a, std::vector<torch::Tensor>& rgb, std::vector<torch::Tensor>& depth,
                   std::vector<torch::Tensor>& gt) {
  rgb.push_back(normaliseImageNet(matToChw(a.rgb)));
  if (!a.depth.empty()) depth.push_back(matToChw(a.depth));
  if (!a.gt.empty()) gt.push_back(matToChw(a.gt));
}

BatchLoader::BatchLoader(std::shared_ptr<const SampleSource> source, LoaderOptions options, DataPosition from)
    : source_(std::move(source)), options_(options), from_(from), position_(from) {
  batches_per_epoch_ = static_cast<std::int64_t>(source_->size()) / options_.batch_size;
  if (batches_per_epoch_ == 0)
    throw core::Error("the training set has " + std::to_string(source_->size()) +
                      " samples, fewer than one batch of " + std::to_string(options_.batch_size));
  first_batch_ = from.epoch * batches_per_epoch_ + from.index / options_.batch_size;
  for (int i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { workerLoop(); });
}

BatchLoader::~BatchLoader() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
}

Batch BatchLoader::build(std::int64_t k) const {
  const std::int64_t global = first_batch_ + k;
  const std::int64_t epoch = global / batches_per_epoch_;
  const std::int64_t b = global % batches_per_epoch_;
  const auto perm = epochPermutation(source_->size(), options_.seed, epoch);
  std::vector<torch::Tensor> rgb, depth, gt, rgb2, depth2, gt2;
  Batch batch;
  for (std::int64_t j = 0; j < options_.batch_size; ++j) {
    const std::int64_t idx = b * options_.batch_size + j;
    const LoadedSample s = source_->load(perm[static_cast<std::size_t>(idx)]);
    const std::uint64_t seed = sampleSeed(options_.seed, epoch, idx);
    if (options_.two_views) {
      const auto [a, v] = twoViews(s, options_.augment, options_.size, seed);
      appendTensors(a, rgb, depth, gt);
      appendTensors(v, rgb2, depth2, gt2);
    } else {
      appendTensors(augment(s, options_.augment, options_.size, seed), rgb, depth, gt);
    }
    batch.names.push_back(s.name);
    batch.original_sizes.push_back(s.original);
  }
  batch.rgb = torch::stack(rgb);
  if (!depth.empty()) batch.depth = torch::stack(depth);
  if (gt.size() == rgb.size()) batch.gt = torch::stack(gt);
  if (!rgb2.empty()) batch.rgb2 = torch::stack(rgb2);
  if (!depth2.empty()) batch.depth2 = torch::stack(depth2);
  batch.start = {epoch, b * options_.batch_size};
  batch.end = b + 1 == batches_per_epoch_ ? DataPosition{epoch + 1, 0}
                                          : DataPosition{epoch, (b + 1) * options_.batch_size};
  return batch;
}

void BatchLoader::workerLoop() {
  for (;;) {
    std::int64_t k = 0;
    {
      std::unique_lock lock(mutex_);
      // Bounded prefetch: never more than `prefetch` batches ahead of the consumer.
      cv_.wait(lock, [&] { return stopping_ || next_to_build_ < next_to_take_ + options_.prefetch; });
      if (stopping_) return;
      k = next_to_build_++;
    }
    Batch batch;
    std::exception_ptr error;
    try {
      batch = build(k);
    } catch (...) {
      error = std::current_exception();
    }
    {
      std::lock_guard lock(mutex_);
      if (error) errors_[k] = error;
      else ready_[k] = std::move(batch);
    }
    cv_.notify_all();
  }
}

Batch BatchLoader::next() {
  Batch batch;
  if (workers_.empty()) {
    batch = build(next_to_take_++);
  } else {
    std::unique_lock lock(mutex_);
    const std::int64_t k = next_to_take_;
    cv_.wait(lock, [&] { return ready_.count(k) > 0 || errors_.count(k) > 0; });
    if (const auto e = errors_.find(k); e != errors_.end()) std::rethrow_exception(e->second);
    batch = std::move(ready_[k]);
    ready_.erase(k);
    ++next_to_take_;
    lock.unlock();
    cv_.notify_all();
  }
  std::lock_guard lock(mutex_);
  position_ = batch.end;
  return batch;
}

DataPosition BatchLoader::position() const {
  std::lock_guard lock(mutex_);
  return position_;
}

}  // namespace rgbdsod::training
