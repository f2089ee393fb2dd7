#pragma once
// Internal: the exact Euclidean feature transform behind nearestFeature() and the weighted F-measure.
#include <cstdint>
#include <vector>

#include <opencv2/core/mat.hpp>

namespace rgbdsod::core::detail {

// Features are the pixels of `image` (CV_8UC1) with value > threshold. Fills, for the continuous
// row-major pixel grid, the squared distance to the nearest feature and that feature's index
// (y * cols + x). Both are -1 everywhere when there is no feature. Buffers are resized as needed.
void featureTransform(const cv::Mat& image, int threshold, std::vector<std::int32_t>& sq_distance,
                      std::vector<std::int32_t>& nearest);

}  // namespace rgbdsod::core::detail
