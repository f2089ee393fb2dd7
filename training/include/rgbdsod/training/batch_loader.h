#pragma once
// Batches for training: samples of a SampleSource in a per-epoch permutation from (seed, epoch),
// augmented with per-sample seeds from (seed, epoch, index), stacked into tensors. Worker threads
// build batches ahead into a bounded queue and the trainer takes them in order, so the batches are
// the same with 0 or N workers. The position (epoch, samples consumed in that epoch) is what a
// checkpoint stores to resume the data stream exactly.
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <torch/types.h>

#include "rgbdsod/training/augment.h"
#include "rgbdsod/training/config.h"
#include "rgbdsod/training/data_source.h"

namespace rgbdsod::training {

struct DataPosition {
  std::int64_t epoch = 0;
  std::int64_t index = 0;  // samples of this epoch's permutation already consumed
  bool operator==(const DataPosition&) const = default;
};

struct Batch {
  torch::Tensor rgb;    // [B,3,S,S], ImageNet-normalised
  torch::Tensor depth;  // [B,C,S,S] in [0,1]; undefined when the source loads no depth
  torch::Tensor gt;     // [B,1,S,S] in [0,1]; undefined when unlabeled
  torch::Tensor rgb2, depth2;  // the second view (two_views only)
  std::vector<std::string> names;
  std::vector<cv::Size> original_sizes;
  DataPosition start;  // position before this batch
  DataPosition end;    // position after it (what a checkpoint taken after this step stores)
};

// One augmented sample as CHW tensors (rgb normalised); used for batches, validation and inference.
void appendTensors(const AugmentedSample& a, std::vector<torch::Tensor>& rgb, std::vector<torch::Tensor>& depth,
                   std::vector<torch::Tensor>& gt);

struct LoaderOptions {
  int batch_size = 8;
  int size = 128;
  int workers = 0;
  int prefetch = 4;
  std::uint64_t seed = 1;
  AugmentConfig augment;
  bool two_views = false;  // also build rgb2/depth2 from a second random view (contrastive stages)
  // Data-parallel training: this process loads shard `shard` of `shards` equal slices of every
  // batch (batch_size stays the global batch; it must be a multiple of shards). The samples, their
  // augmentation and the positions are those of the whole batch, so any number of ranks trains on
  // the same data.
  int shard = 0;
  int shards = 1;
  // Page-locked batch memory, for non-blocking copies to a CUDA device (needs a CUDA LibTorch).
  bool pin_memory = false;
};

class BatchLoader {
 public:
  // Throws core::Error when the source has fewer samples than one batch.
  BatchLoader(std::shared_ptr<const SampleSource> source, LoaderOptions options, DataPosition from = {});
  ~BatchLoader();  // stops the workers
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  // The next batch in order (an incomplete last batch of an epoch is dropped). Rethrows a
  // worker's exception (e.g. an unreadable file).
  Batch next();
  DataPosition position() const;  // after the last batch returned
  std::int64_t batchesPerEpoch() const noexcept { return batches_per_epoch_; }

  // Builds batch number `k` counted from `from`, independent of any other batch (for tests and workers).
  Batch build(std::int64_t k) const;

 private:
  void workerLoop();

  std::shared_ptr<const SampleSource> source_;
  LoaderOptions options_;
  std::int64_t batches_per_epoch_ = 0;
  std::int64_t first_batch_ = 0;  // global batch number of `from`
  DataPosition from_;

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::map<std::int64_t, Batch> ready_;
  std::map<std::int64_t, std::exception_ptr> errors_;
  std::int64_t next_to_build_ = 0;
  std::int64_t next_to_take_ = 0;
  bool stopping_ = false;
  DataPosition position_;
  std::vector<std::thread> workers_;
};

}  // namespace rgbdsod::training
