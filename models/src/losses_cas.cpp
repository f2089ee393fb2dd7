#include "rgbdsod/models/losses_cas.h"

#include <limits>
#include <map>
#include <vector>

#include <ATen/TensorIndexing.h>

namespace rgbdsod::models {
namespace {

torch::Tensor maskOf(const torch::Tensor& mask, int64_t b) {
  const auto m = mask.dim() == 4 ? mask[b][0] : mask[b];
  TORCH_CHECK(m.dim() == 2, "CAS: mask must be [B,1,H,W] or [B,H,W]");
  return m;
}

// Per-image pieces shared by CAS and CACE: the one-hot region matrix and the region areas.
struct RegionMatrix {
  torch::Tensor ids;      // [HW] long on the logits' device
  torch::Tensor onehot;   // [N, HW]
  torch::Tensor area;     // [N]
  int64_t count = 0;
};

RegionMatrix regionMatrix(const torch::Tensor& mask_hw, const torch::Tensor& like, const CasLossOptions& o) {
  const auto r = maskRegions(mask_hw, o);
  RegionMatrix m;
  m.count = r.count;
  m.ids = r.ids.to(like.device());
  m.onehot = torch::one_hot(m.ids, r.count).to(like.dtype()).t();
  m.area = m.onehot.sum(1);
  return m;
}

// Exhaustive search of the injective region -> channel assignment of least total cost.
void searchAssignment(const std::vector<std::vector<double>>& cost, size_t region, std::vector<bool>& used,
                      std::vector<int64_t>& current, double sum, double& best, std::vector<int64_t>& best_assign) {
  if (sum >= best) return;
  if (region == cost.size()) {
    best = sum;
    best_assign = current;
    return;
  }
  for (size_t c = 0; c < used.size(); ++c) {
    if (used[c]) continue;
    used[c] = true;
    current[region] = static_cast<int64_t>(c);
    searchAssignment(cost, region + 1, used, current, sum + cost[region][c], best, best_assign);
    used[c] = false;
  }
}

std::vector<int64_t> bestAssignment(const torch::Tensor& cost_nk) {
  const auto c = cost_nk.detach().to(torch::kCPU, torch::kDouble).contiguous();
  const int64_t n = c.size(0), k = c.size(1);
  std::vector<std::vector<double>> cost(static_cast<size_t>(n), std::vector<double>(static_cast<size_t>(k)));
  const auto acc = c.accessor<double, 2>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < k; ++j) cost[static_cast<size_t>(i)][static_cast<size_t>(j)] = acc[i][j];
  std::vector<int64_t> assign(static_cast<size_t>(n), 0);
  if (n > k) {  // more regions than channels: each region takes its cheapest channel
    for (int64_t i = 0; i < n; ++i) assign[static_cast<size_t>(i)] = c[i].argmin().item<int64_t>();
    return assign;
  }
  if (k <= 8) {
    std::vector<bool> used(static_cast<size_t>(k), false);
    std::vector<int64_t> current(static_cast<size_t>(n), 0);
    double best = std::numeric_limits<double>::infinity();
    searchAssignment(cost, 0, used, current, 0.0, best, assign);
    return assign;
  }
  std::vector<bool> used(static_cast<size_t>(k), false);  // greedy, region by region
  for (size_t i = 0; i < cost.size(); ++i) {
    size_t best_c = 0;
    double best_v = std::numeric_limits<double>::infinity();
    for (size_t j = 0; j < used.size(); ++j)
      if (!used[j] && cost[i][j] < best_v) best_v = cost[i][j], best_c = j;
    used[best_c] = true;
    assign[i] = static_cast<int64_t>(best_c);
  }
  return assign;
}

}  // namespace

MaskRegions maskRegions(const torch::Tensor& mask_hw, const CasLossOptions& options) {
  TORCH_CHECK(mask_hw.dim() == 2, "maskRegions: mask must be [H,W]");
  torch::Tensor labels = torch::isFloatingType(mask_hw.scalar_type())
                             ? (mask_hw.detach() > options.threshold).to(torch::kLong)
                             : mask_hw.detach().to(torch::kLong);
  labels = labels.cpu().contiguous();
  const int64_t h = labels.size(0), w = labels.size(1);
  const int64_t* lab = labels.data_ptr<int64_t>();
  std::vector<int64_t> ids(static_cast<size_t>(h * w), -1);
  int64_t count = 0;
  if (!options.connected_components) {
    std::map<int64_t, int64_t> seen;
    for (int64_t p = 0; p < h * w; ++p) {
      const auto [it, inserted] = seen.emplace(lab[p], count);
      if (inserted) ++count;
      ids[static_cast<size_t>(p)] = it->second;
    }
  } else {
    std::vector<int64_t> stack;
    for (int64_t p = 0; p < h * w; ++p) {
      if (ids[static_cast<size_t>(p)] >= 0) continue;
      ids[static_cast<size_t>(p)] = count;
      stack.push_back(p);
      while (!stack.empty()) {  // flood fill over 4-neighbours with the same label
        const int64_t q = stack.back();
        stack.pop_back();
        const int64_t y = q / w, x = q % w;
        const int64_t nb[4][2] = {{y - 1, x}, {y + 1, x}, {y, x - 1}, {y, x + 1}};
        for (const auto& n : nb) {
          if (n[0] < 0 || n[0] >= h || n[1] < 0 || n[1] >= w) continue;
          const int64_t r = n[0] * w + n[1];
          if (ids[static_cast<size_t>(r)] < 0 && lab[r] == lab[q]) {
            ids[static_cast<size_t>(r)] = count;
            stack.push_back(r);
          }
        }
      }
      ++count;
    }
  }
  return {torch::tensor(ids, torch::kLong), count};
}

CasLossTerms casLoss(const torch::Tensor& logits, const torch::Tensor& mask, const CasLossOptions& options) {
  TORCH_CHECK(logits.dim() == 4 && logits.size(1) >= 2, "CAS: logits must be [B,M,H,W] with M >= 2");
  TORCH_CHECK(options.alpha >= 0.0 && options.alpha <= 1.0, "CAS: alpha must lie in [0, 1] (Eq. 1)");
  const int64_t batch = logits.size(0), k = logits.size(1);
  const auto s = torch::softmax(logits, 1);  // "s ... (or softmax output) of the network"
  std::vector<torch::Tensor> us, ds;
  for (int64_t b = 0; b < batch; ++b) {
    const auto sb = s[b].reshape({k, -1}).t();  // [HW, M]
    const auto m = regionMatrix(maskOf(mask, b), logits, options);
    TORCH_CHECK(m.ids.size(0) == sb.size(0), "CAS: mask and logits differ in size");
    const auto mean = m.onehot.mm(sb) / m.area.unsqueeze(1);              // s^(r_i): [N, M]
    const auto sq = (sb - mean.index_select(0, m.ids)).pow(2).sum(1);     // ||s(x) - s^(r(x))||^2
    const auto per_region = m.onehot.mv(sq) / m.area;                     // (1/|r_i|) int_{r_i} ...
    if (options.uniformer == CasUniformer::Relative) {  // ours, see the header
      const auto within = per_region.mean();
      const auto between = (mean - mean.mean(0, /*keepdim=*/true)).pow(2).sum(1).mean();
      us.push_back(within / (within + between + 1e-8));
    } else {
      us.push_back(per_region.sum());  // Eq. 1: sum_{i=1}^N
    }
    // Eq. 1: sum_i sum_{j != i} ||s^(r_i) - s^(r_j)||^2 over ordered pairs; the i = j entries of the
    // full N x N table are 0 (and so is their gradient: no square root), so the table's sum is it.
    // One region: an empty sum, 0.
    ds.push_back((mean.unsqueeze(1) - mean.unsqueeze(0)).pow(2).sum());
  }
  CasLossTerms t;
  t.uniformer = torch::stack(us).mean();
  t.discriminator = torch::stack(ds).mean();
  // Eq. 1: alpha weighs the uniformer, (1 - alpha) the discriminator, which enters with a minus.
  t.total = options.alpha * t.uniformer - (1.0 - options.alpha) * t.discriminator;
  return t;
}

torch::Tensor caceLoss(const torch::Tensor& logits, const torch::Tensor& mask, const CasLossOptions& options) {
  TORCH_CHECK(logits.dim() == 4 && logits.size(1) >= 2, "CACE: logits must be [B,M,H,W] with M >= 2");
  const int64_t batch = logits.size(0), k = logits.size(1);
  const auto logp = torch::log_softmax(logits, 1);
  std::vector<torch::Tensor> losses;
  for (int64_t b = 0; b < batch; ++b) {
    const auto lp = logp[b].reshape({k, -1}).t();  // [HW, M]
    const auto m = regionMatrix(maskOf(mask, b), logits, options);
    const auto cost = -m.onehot.mm(lp);            // [N, M]: CE summed over the region per channel
    // Our reading of the paper's degenerate min(-y log p, -(1 - y) log p) (see the header): the min
    // over the region -> channel assignments of this image, found on detached costs; the gradient
    // flows through the chosen one.
    const auto assign = bestAssignment(cost);
    const auto chosen = torch::tensor(assign, torch::kLong).to(logits.device());
    const auto rows = torch::arange(m.count, torch::TensorOptions().dtype(torch::kLong).device(logits.device()));
    losses.push_back(cost.index({rows, chosen}).sum() / static_cast<double>(lp.size(0)));
  }
  return torch::stack(losses).mean();
}

}  // namespace rgbdsod::models
