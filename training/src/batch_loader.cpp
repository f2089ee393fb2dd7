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

namespace {

// The batch is filled by plain loops, not ATen ops: an ATen op above 32k elements runs an OpenMP
// parallel region, and each loader thread that runs one starts its own OpenMP team, so the
// process held more OpenMP threads than cores and the training threads slept and woke ~1,200
// times per step (issue 16). The arithmetic is the same as normaliseImageNet's ((x - mean) / std
// in float), so the batches are bit-identical to the ATen path.
void writeChw(const cv::Mat& hwc, float* out, const float* mean = nullptr, const float* stdev = nullptr) {
  CV_Assert(hwc.depth() == CV_32F);
  const int c = hwc.channels();
  const std::size_t plane = static_cast<std::size_t>(hwc.rows) * static_cast<std::size_t>(hwc.cols);
  for (int y = 0; y < hwc.rows; ++y) {
    const float* row = hwc.ptr<float>(y);
    const std::size_t base = static_cast<std::size_t>(y) * static_cast<std::size_t>(hwc.cols);
    for (int x = 0; x < hwc.cols; ++x)
      for (int k = 0; k < c; ++k) {
        const float v = row[x * c + k];
        out[static_cast<std::size_t>(k) * plane + base + static_cast<std::size_t>(x)] =
            mean ? (v - mean[k]) / stdev[k] : v;
      }
  }
}

// One modality of a batch: [B, C, H, W], every sample's image of the same size and type.
torch::Tensor stackImages(const std::vector<const cv::Mat*>& images, bool imagenet, bool pinned) {
  const cv::Mat& first = *images.front();
  const auto b = static_cast<std::int64_t>(images.size());
  torch::Tensor t = torch::empty({b, first.channels(), first.rows, first.cols},
                                 torch::TensorOptions().dtype(torch::kFloat32).pinned_memory(pinned));
  const std::size_t slot = first.total() * static_cast<std::size_t>(first.channels());
  float* data = t.data_ptr<float>();
  for (std::size_t i = 0; i < images.size(); ++i) {
    const cv::Mat& m = *images[i];
    if (m.size() != first.size() || m.type() != first.type())
      throw core::Error("batch: sample images differ in size or type (augmentation output)");
    writeChw(m, data + i * slot, imagenet ? kImageNetMean : nullptr, imagenet ? kImageNetStd : nullptr);
  }
  return t;
}

struct BatchImages {
  std::vector<AugmentedSample> samples;
  bool pinned = false;
  torch::Tensor rgb() const { return stackImages(collect(&AugmentedSample::rgb), true, pinned); }
  torch::Tensor depth() const { return modality(&AugmentedSample::depth); }
  torch::Tensor gt() const { return modality(&AugmentedSample::gt); }

 private:
  std::vector<const cv::Mat*> collect(cv::Mat AugmentedSample::*field) const {
    std::vector<const cv::Mat*> out;
    for (const auto& s : samples)
      if (!(s.*field).empty()) out.push_back(&(s.*field));
    return out;
  }
  // Undefined unless every sample has it (as the stacked vectors were: depth of none, GT of all).
  torch::Tensor modality(cv::Mat AugmentedSample::*field) const {
    const auto images = collect(field);
    if (images.empty() || images.size() != samples.size()) return {};
    return stackImages(images, false, pinned);
  }
};

}  // namespace

BatchLoader::BatchLoader(std::shared_ptr<const SampleSource> source, LoaderOptions options, DataPosition from)
    : source_(std::move(source)), options_(options), from_(from), position_(from) {
  batches_per_epoch_ = static_cast<std::int64_t>(source_->size()) / options_.batch_size;
  if (options_.shards < 1 || options_.shard < 0 || options_.shard >= options_.shards ||
      options_.batch_size % options_.shards != 0)
    throw core::Error("data.batch_size " + std::to_string(options_.batch_size) + " cannot be split into " +
                      std::to_string(options_.shards) + " equal shards (one per rank): use a multiple of the world size");
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
  BatchImages views, second;
  views.pinned = second.pinned = options_.pin_memory;
  Batch batch;
  const std::int64_t per_shard = options_.batch_size / options_.shards;
  for (std::int64_t j = options_.shard * per_shard; j < (options_.shard + 1) * per_shard; ++j) {
    const std::int64_t idx = b * options_.batch_size + j;
    const LoadedSample s = source_->load(perm[static_cast<std::size_t>(idx)]);
    const std::uint64_t seed = sampleSeed(options_.seed, epoch, idx);
    if (options_.two_views) {
      auto [a, v] = twoViews(s, options_.augment, options_.size, seed);
      views.samples.push_back(std::move(a));
      second.samples.push_back(std::move(v));
    } else {
      views.samples.push_back(augment(s, options_.augment, options_.size, seed));
    }
    batch.names.push_back(s.name);
    batch.original_sizes.push_back(s.original);
  }
  batch.rgb = views.rgb();
  batch.depth = views.depth();
  batch.gt = views.gt();
  if (options_.two_views) {
    batch.rgb2 = second.rgb();
    batch.depth2 = second.depth();
  }
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
