#pragma once
// Class-agnostic segmentation (CAS) loss (Sharma et al., "Class-Agnostic Segmentation Loss and Its
// Application to Salient Object Detection and Segmentation", ../shared/papers/cas-loss.md) and the
// class-agnostic CE baseline (CACE).
//
// The network outputs M >= 2 logits per pixel; s(x) = softmax(logits(x)) lies on the simplex. The
// mask gives the regions r_1..r_N (the label values present; optionally each connected component
// of a value is its own region). Nothing says which channel a region must use: the class
// descriptors are learned. s^(r) = (1/|r|) sum_{x in r} s(x) is a region's mean descriptor.
//
// Eq. 1, per image (the paper's text, Sec. 3.1):
//   "CAS = sum_{i=1}^N int_{r_i} alpha ||s(x) - s^(r_i)||_2^2 / |r_i| dx
//          - sum_{i=1}^N sum_{j=1, j != i}^N (1 - alpha) ||s^(r_i) - s^(r_j)||_2^2"
// i.e. with
//   uniformer      U = sum_i (1/|r_i|) sum_{x in r_i} ||s(x) - s^(r_i)||^2    (summed over regions)
//   discriminator  D = sum_i sum_{j != i} ||s^(r_i) - s^(r_j)||^2             (ordered pairs i != j)
//   CAS            L = alpha U - (1 - alpha) D,  alpha = 0.1 (Sec. 6: "the discriminator term has
//                  more important properties, consequently we weighed this term more. alpha was
//                  set to 0.1"), averaged over the images of a batch (Eq. 1 is per image).
// L is negative whenever the regions differ: D is rewarded, not penalised. An image with one region
// has D = 0 (empty sum) and only asks for uniformity. Bounds (simplex): per region
// (1/|r|) sum ||s - s^||^2 <= 1 - 1/M and ||s^_i - s^_j||^2 <= 2, so
// -2 (1 - alpha) N (N - 1) <= L <= alpha N (1 - 1/M). The paper's Sec. 3.3 states the interval
// (alpha N, -(1 - alpha) N] ("both terms bounded by 1"), which does not follow from Eq. 1 as printed
// (two regions, one-hot, different channels give D = 2 pairs x 2 = 4); we follow Eq. 1.
//
// The gradient is left to autograd. Eq. 2 (Sec. 3.2) is the chain rule of Eq. 1:
// d||a||^2 = 2 a . da for both terms, with grad s^(r_i) = (1/|r_i|) sum_{x in r_i} grad s(x); the
// uniformer's grad s^(r_i) part integrates to zero since sum_{x in r_i} (s(x) - s^(r_i)) = 0.
// tests/models/cas_paper_test.cpp checks autograd against Eq. 2 written out term by term.
#include <cstdint>

#include <torch/types.h>

namespace rgbdsod::models {

// Which uniformer enters Eq. 1.
//  Paper: U as above (the default).
//  Relative (ours, not the paper's): U_rel = W / (W + B) with W = U / N (the region-mean of the
//    within-region variances) and B = (1/N) sum_i ||s^_i - mean_j s^_j||^2 the spread of the region
//    descriptors: the within-region share of the region-balanced variance, in [0, 1], scale-free
//    (not lowered by shrinking every output towards one constant; the exactly constant output is
//    the 0/0 point, counted as 0); an image with one region gives 1 and no gradient. It was made
//    for our earlier reconstruction U + alpha D (the uniformer weighted 10x the discriminator),
//    which collapsed to one saturated channel on p = 0.5 region-flipped labels. Kept for
//    comparison; L = alpha U_rel - (1 - alpha) D.
enum class CasUniformer { Paper, Relative };

struct CasLossOptions {
  double alpha = 0.1;  // Eq. 1: alpha on the uniformer, 1 - alpha on the discriminator; in [0, 1]
  CasUniformer uniformer = CasUniformer::Paper;
  // false: a region per label value present; true: a region per 4-connected component of a value.
  bool connected_components = false;
  // Floating-point masks are binarised at this threshold ({0, 1} labels); integer masks are used as is.
  double threshold = 0.5;
};

struct CasLossTerms {
  torch::Tensor uniformer;      // mean over images of U (or U_rel), not weighted by alpha
  torch::Tensor discriminator;  // mean over images of D, not weighted (0 for single-region images)
  torch::Tensor total;          // mean over images of alpha U - (1 - alpha) D  (Eq. 1)
};

// logits [B,M,H,W]; mask [B,1,H,W] or [B,H,W] at the logits' size.
CasLossTerms casLoss(const torch::Tensor& logits, const torch::Tensor& mask, const CasLossOptions& options = {});

// Region ids [H*W] (0..count-1, row-major) of one mask [H,W]; regions follow the order of first
// appearance in a row-major scan. Exposed for tests and for the studio's label inspection.
struct MaskRegions {
  torch::Tensor ids;  // long, CPU
  int64_t count = 0;
};
MaskRegions maskRegions(const torch::Tensor& mask_hw, const CasLossOptions& options = {});

// Class-agnostic cross-entropy (CACE), the paper's baseline (Sec. 4.2): "min(-y_i log p_i,
// -(1 - y_i) log p_i), where for i-th example, y_i is the true-class label and p_i is the predicted
// probability". As printed this is degenerate: for y in {0, 1} one argument is -0 log p = 0, so the
// min is 0 for every p (no loss, no gradient), and a per-pixel min of the two CEs would be met by
// any confident output. OUR READING, from "as we increase the number of classes the arguments of the
// min function increases combinatorially": the min is over the label -> channel assignments of one
// example (= image), each argument the image's CE under one assignment. So: the pixel-mean CE after
// each region is given the output channel that fits it best, different regions taking different
// channels (the assignment minimising the total CE, searched exhaustively for M <= 8, greedily
// otherwise; when N > M the regions choose freely). For a binary mask and M = 2 this is
// min(CE(y, p), CE(1 - y, p)) per image. The gradient is that of the chosen assignment (the
// gradient of the min almost everywhere). Invariant to a permutation of the labels, like CAS, but
// without the per-region normalisation.
torch::Tensor caceLoss(const torch::Tensor& logits, const torch::Tensor& mask, const CasLossOptions& options = {});

}  // namespace rgbdsod::models
