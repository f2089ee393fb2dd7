// GradientAverager, broadcastModel and averageNormStatistics: the data-parallel step's
// collectives over ProcessGroup (distributed.cpp holds the c10d part).
#include <algorithm>

#include <fmt/format.h>
#include <torch/autograd.h>

#include "rgbdsod/training/distributed.h"

namespace rgbdsod::training {

struct GradientAverager::State {
  struct Slot {
    torch::Tensor param;
    std::size_t bucket = 0;
    std::int64_t offset = 0;
    bool ready = false;
  };
  struct Bucket {
    torch::Tensor flat;
    std::vector<std::size_t> slots;
    std::size_t ready = 0;
    std::shared_ptr<ProcessGroup::Pending> pending;
  };
  ProcessGroup* group = nullptr;
  bool overlap = true;
  std::vector<Slot> slots;
  std::vector<Bucket> buckets;
  std::size_t next_launch = 0;
  std::vector<unsigned> hooks;

  torch::Tensor slice(const Slot& s) const {
    return buckets[s.bucket].flat.narrow(0, s.offset, s.param.numel()).view(s.param.sizes());
  }
  void take(std::size_t i, const torch::Tensor& grad) {
    Slot& s = slots[i];
    if (s.ready) return;  // one gradient per parameter and step
    slice(s).copy_(grad);
    s.ready = true;
    ++buckets[s.bucket].ready;
  }
  void launch(std::size_t b) { buckets[b].pending = group->startAllReduceSum(buckets[b].flat, "the gradient all-reduce"); }
  // Buckets start in index order on every rank, whatever order their gradients completed in:
  // c10d matches collectives by their order, so the ranks must issue them identically.
  void launchReady() {
    while (next_launch < buckets.size() && buckets[next_launch].ready == buckets[next_launch].slots.size())
      launch(next_launch++);
  }
};

GradientAverager::GradientAverager(ProcessGroup& group, std::vector<torch::Tensor> params, bool overlap,
                                   std::size_t bucket_bytes, std::size_t first_bucket_bytes)
    : state_(std::make_unique<State>()) {
  State& st = *state_;
  st.group = &group;
  st.overlap = overlap;
  // Backward produces the last layers' gradients first.
  std::reverse(params.begin(), params.end());
  std::size_t cap = first_bucket_bytes;
  std::int64_t used = 0;
  std::vector<std::vector<std::size_t>> members;
  std::vector<std::int64_t> sizes;
  for (auto& p : params) {
    if (!p.requires_grad()) continue;
    const auto bytes = static_cast<std::size_t>(p.numel()) * p.element_size();
    const bool same_kind = !members.empty() && st.slots[members.back().front()].param.scalar_type() == p.scalar_type() &&
                           st.slots[members.back().front()].param.device() == p.device();
    if (members.empty() || !same_kind || static_cast<std::size_t>(used) * p.element_size() + bytes > cap) {
      if (!members.empty()) cap = bucket_bytes;
      members.emplace_back();
      sizes.push_back(0);
      used = 0;
    }
    State::Slot s;
    s.param = p;
    s.bucket = members.size() - 1;
    s.offset = used;
    used += p.numel();
    sizes.back() = used;
    members.back().push_back(st.slots.size());
    st.slots.push_back(std::move(s));
  }
  for (std::size_t b = 0; b < members.size(); ++b) {
    State::Bucket bucket;
    const auto& first = st.slots[members[b].front()].param;
    bucket.flat = torch::zeros({sizes[b]}, first.options().requires_grad(false));
    bucket.slots = members[b];
    st.buckets.push_back(std::move(bucket));
  }
  if (!overlap) return;
  for (std::size_t i = 0; i < st.slots.size(); ++i) {
    State* raw = state_.get();
    st.hooks.push_back(st.slots[i].param.register_hook([raw, i](const torch::Tensor& grad) {
      torch::NoGradGuard no_grad;
      raw->take(i, grad);
      raw->launchReady();
    }));
  }
}

GradientAverager::~GradientAverager() {
  for (std::size_t i = 0; i < state_->hooks.size(); ++i) state_->slots[i].param.remove_hook(state_->hooks[i]);
}

std::size_t GradientAverager::buckets() const noexcept { return state_->buckets.size(); }

void GradientAverager::prepare() {
  State& st = *state_;
  for (auto& s : st.slots) s.ready = false;
  for (auto& b : st.buckets) {
    b.ready = 0;
    b.pending.reset();
  }
  st.next_launch = 0;
}

void GradientAverager::finish() {
  State& st = *state_;
  torch::NoGradGuard no_grad;
  // Without overlap, or for parameters that got no gradient this step (unused by the loss, the
  // same on every rank since the ranks run the same graph): the slots still missing.
  std::vector<bool> had_grad(st.slots.size());
  for (std::size_t i = 0; i < st.slots.size(); ++i) {
    State::Slot& s = st.slots[i];
    had_grad[i] = s.ready || s.param.grad().defined();
    if (s.ready) continue;
    if (s.param.grad().defined()) {
      st.take(i, s.param.grad());
    } else {
      st.slice(s).zero_();
      s.ready = true;
      ++st.buckets[s.bucket].ready;
    }
  }
  st.launchReady();
  const double world = static_cast<double>(st.group->size());
  for (auto& b : st.buckets) {
    st.group->wait(b.pending);
    b.flat.div_(world);
  }
  for (std::size_t i = 0; i < st.slots.size(); ++i) {
    if (!had_grad[i]) continue;
    State::Slot& s = st.slots[i];
    if (s.param.grad().defined()) s.param.mutable_grad().copy_(st.slice(s));
    else s.param.mutable_grad() = st.slice(s).clone();
  }
}

namespace {

// Gloo reduces dense contiguous memory; channels-last parameters (CUDA) go through a copy.
void broadcastInPlace(ProcessGroup& group, torch::Tensor t, const char* what) {
  std::vector<torch::Tensor> one{t.is_contiguous() ? t : t.contiguous()};
  group.broadcast(one, 0, what);
  if (!t.is_contiguous()) t.copy_(one.front());
}

}  // namespace

void broadcastModel(ProcessGroup& group, torch::nn::Module& model) {
  torch::NoGradGuard no_grad;
  for (auto& p : model.parameters()) broadcastInPlace(group, p, "broadcasting rank 0's parameters");
  for (auto& b : model.buffers()) broadcastInPlace(group, b, "broadcasting rank 0's buffers");
}

void averageNormStatistics(ProcessGroup& group, torch::nn::Module& model) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> stats;
  for (const auto& item : model.named_buffers()) {
    const std::string& name = item.key();
    const bool norm = name.size() >= 12 && (name.compare(name.size() - 12, 12, "running_mean") == 0 ||
                                            name.compare(name.size() - 11, 11, "running_var") == 0);
    if (norm && item.value().is_floating_point()) stats.push_back(item.value());
  }
  if (stats.empty()) return;
  std::vector<torch::Tensor> flat_parts;
  for (const auto& s : stats) flat_parts.push_back(s.reshape({-1}));
  std::vector<torch::Tensor> flat{torch::cat(flat_parts)};
  group.allReduceSum(flat, "averaging the BatchNorm statistics");
  flat.front().div_(static_cast<double>(group.size()));
  std::int64_t offset = 0;
  for (auto& s : stats) {
    s.copy_(flat.front().narrow(0, offset, s.numel()).view(s.sizes()));
    offset += s.numel();
  }
}

}  // namespace rgbdsod::training
