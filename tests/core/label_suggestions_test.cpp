// Suggestions from a saliency map: which regions disagree with the label, how they rank, and
// that accepting them restores the label the map agrees with.
#include "rgbdsod/core/label_suggestions.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/mask_edit.h"

using namespace rgbdsod::core;

namespace {

// A 40x32 label: one 16x12 object at (8, 6).
cv::Mat cleanLabel() {
  cv::Mat gt(32, 40, CV_8UC1, cv::Scalar(0));
  gt(cv::Rect(8, 6, 16, 12)).setTo(255);
  return gt;
}

// A confident map of the clean label: 230 inside, 25 outside (confidence 205 / 255 everywhere).
cv::Mat cleanPrediction() {
  cv::Mat p(32, 40, CV_8UC1, cv::Scalar(25));
  p.setTo(230, cleanLabel());
  return p;
}

constexpr double kConfidence = 205.0 / 255.0;
constexpr double kImageArea = 32.0 * 40.0;

bool sameMat(const cv::Mat& a, const cv::Mat& b) {
  return a.size() == b.size() && a.type() == b.type() && cv::countNonZero(a != b) == 0;
}

}  // namespace

TEST(SuggestRegions, FindsExactlyTheOneMissingRegionAsAnAdd) {
  cv::Mat label = cleanLabel();
  label(cv::Rect(10, 8, 6, 5)).setTo(0);  // a bite out of the object: 30 px
  const LabelSuspicion s = suggestRegions(label, cleanPrediction());
  ASSERT_EQ(s.regions.size(), 1u);
  const SuggestedRegion& r = s.regions[0];
  EXPECT_TRUE(r.add);
  EXPECT_EQ(r.bbox, cv::Rect(10, 8, 6, 5));
  EXPECT_EQ(r.area, 30);
  EXPECT_DOUBLE_EQ(r.confidence, kConfidence);
  EXPECT_DOUBLE_EQ(r.score, 30 * kConfidence / kImageArea);
  EXPECT_DOUBLE_EQ(s.score, r.score);
  EXPECT_EQ(r.region.type(), CV_8UC1);
  EXPECT_TRUE(sameMat(r.region, cv::Mat(5, 6, CV_8UC1, cv::Scalar(255))));
}

TEST(SuggestRegions, ASpuriousBlobIsARemoveWithItsShape) {
  cv::Mat label = cleanLabel();
  cv::Mat blob(5, 5, CV_8UC1, cv::Scalar(0));
  stampDisc(blob, {2, 2}, 2, 255);  // 13 px, a diamond-ish disc
  label(cv::Rect(30, 20, 5, 5)).setTo(255, blob);
  const LabelSuspicion s = suggestRegions(label, cleanPrediction(), {.min_area = 4, .min_confidence = 0.2});
  ASSERT_EQ(s.regions.size(), 1u);
  EXPECT_FALSE(s.regions[0].add);
  EXPECT_EQ(s.regions[0].bbox, cv::Rect(30, 20, 5, 5));
  EXPECT_EQ(s.regions[0].area, 13);
  EXPECT_TRUE(sameMat(s.regions[0].region, blob));
}

TEST(SuggestRegions, RanksByAreaTimesConfidenceAndSumsTheScores) {
  cv::Mat label = cleanLabel();
  label(cv::Rect(30, 24, 6, 6)).setTo(255);  // remove, 36 px, confidence 205/255
  label(cv::Rect(2, 2, 5, 4)).setTo(255);    // remove, 20 px
  label(cv::Rect(18, 10, 6, 8)).setTo(0);    // add, 48 px, but a less sure map there
  cv::Mat pred = cleanPrediction();
  pred(cv::Rect(18, 10, 6, 8)).setTo(166);   // confidence 77/255: score 48*77 < 36*205
  const LabelSuspicion s = suggestRegions(label, pred);
  ASSERT_EQ(s.regions.size(), 3u);
  EXPECT_EQ(s.regions[0].bbox, cv::Rect(30, 24, 6, 6));
  EXPECT_FALSE(s.regions[0].add);
  EXPECT_EQ(s.regions[1].bbox, cv::Rect(2, 2, 5, 4));
  EXPECT_FALSE(s.regions[1].add);
  EXPECT_EQ(s.regions[2].bbox, cv::Rect(18, 10, 6, 8));
  EXPECT_TRUE(s.regions[2].add);
  EXPECT_DOUBLE_EQ(s.regions[2].confidence, 77.0 / 255.0);
  EXPECT_DOUBLE_EQ(s.regions[2].score, 48 * 77.0 / 255.0 / kImageArea);
  EXPECT_DOUBLE_EQ(s.score, s.regions[0].score + s.regions[1].score + s.regions[2].score);
}

TEST(SuggestRegions, EqualScoresAreOrderedByBoxTopThenLeft) {
  cv::Mat label = cleanLabel();
  label(cv::Rect(30, 25, 4, 4)).setTo(255);
  label(cv::Rect(1, 25, 4, 4)).setTo(255);
  label(cv::Rect(30, 1, 4, 4)).setTo(255);
  const LabelSuspicion s = suggestRegions(label, cleanPrediction());
  ASSERT_EQ(s.regions.size(), 3u);
  EXPECT_EQ(s.regions[0].bbox.tl(), cv::Point(30, 1));
  EXPECT_EQ(s.regions[1].bbox.tl(), cv::Point(1, 25));
  EXPECT_EQ(s.regions[2].bbox.tl(), cv::Point(30, 25));
}

TEST(SuggestRegions, AddAndRemoveNeighboursAreSeparateRegions) {
  // The label's object is shifted right by one column: a 1-px add strip and a 1-px remove strip,
  // side by side in the XOR image but of opposite kinds.
  cv::Mat label(32, 40, CV_8UC1, cv::Scalar(0));
  label(cv::Rect(9, 6, 16, 12)).setTo(255);
  const LabelSuspicion s = suggestRegions(label, cleanPrediction(), {.min_area = 1, .min_confidence = 0.0});
  ASSERT_EQ(s.regions.size(), 2u);
  EXPECT_NE(s.regions[0].add, s.regions[1].add);
  for (const SuggestedRegion& r : s.regions) {
    EXPECT_EQ(r.area, 12);
    EXPECT_EQ(r.bbox, r.add ? cv::Rect(8, 6, 1, 12) : cv::Rect(24, 6, 1, 12));
  }
}

TEST(SuggestRegions, FiltersSmallAndUnsureRegions) {
  cv::Mat label = cleanLabel();
  label(cv::Rect(30, 24, 3, 5)).setTo(255);  // 15 px < min_area 16
  label(cv::Rect(2, 2, 6, 6)).setTo(255);    // 36 px but the map is unsure there
  cv::Mat pred = cleanPrediction();
  pred(cv::Rect(2, 2, 6, 6)).setTo(110);     // confidence 35/255 < 0.2
  EXPECT_TRUE(suggestRegions(label, pred).regions.empty());
  EXPECT_DOUBLE_EQ(suggestRegions(label, pred).score, 0.0);
  EXPECT_EQ(suggestRegions(label, pred, {.min_area = 15, .min_confidence = 0.2}).regions.size(), 1u);
  EXPECT_EQ(suggestRegions(label, pred, {.min_area = 16, .min_confidence = 0.1}).regions.size(), 1u);
}

TEST(SuggestRegions, AgreeingLabelHasNoSuggestions) {
  const LabelSuspicion s = suggestRegions(cleanLabel(), cleanPrediction());
  EXPECT_TRUE(s.regions.empty());
  EXPECT_EQ(s.score, 0.0);
}

TEST(SuggestRegions, MismatchedSizesThrowNamingBothSizes) {
  try {
    suggestRegions(cleanLabel(), cv::Mat(16, 40, CV_8UC1, cv::Scalar(0)));
    FAIL() << "no throw";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("40x32"), std::string::npos) << what;
    EXPECT_NE(what.find("40x16"), std::string::npos) << what;
  }
}

TEST(SuggestRegions, RejectsWrongTypesEmptyInputAndBadOptions) {
  EXPECT_THROW(suggestRegions(cleanLabel(), cv::Mat(32, 40, CV_32FC1, cv::Scalar(0))), Error);
  EXPECT_THROW(suggestRegions(cv::Mat(32, 40, CV_8UC3, cv::Scalar::all(0)), cleanPrediction()), Error);
  EXPECT_THROW(suggestRegions(cv::Mat(), cleanPrediction()), Error);
  EXPECT_THROW(suggestRegions(cleanLabel(), cleanPrediction(), {.min_area = -1}), Error);
  EXPECT_THROW(suggestRegions(cleanLabel(), cleanPrediction(), {.min_area = 16, .min_confidence = 1.5}), Error);
}

TEST(ApplySuggestion, AcceptingEveryRegionRestoresTheCleanLabelExactly) {
  cv::Mat label = cleanLabel();
  label(cv::Rect(10, 8, 6, 5)).setTo(0);
  label(cv::Rect(30, 24, 6, 6)).setTo(255);
  const LabelSuspicion s = suggestRegions(label, cleanPrediction());
  ASSERT_EQ(s.regions.size(), 2u);
  for (const SuggestedRegion& r : s.regions) {
    const cv::Mat before = label.clone();
    EXPECT_EQ(applySuggestion(label, r), r.bbox);
    std::vector<cv::Point> changed;  // boundingRect of the points: see mask_edit_test.cpp
    cv::findNonZero(before != label, changed);
    EXPECT_EQ(cv::boundingRect(changed), r.bbox);
  }
  EXPECT_TRUE(sameMat(label, cleanLabel()));
  EXPECT_TRUE(applySuggestion(label, s.regions[0]).empty());  // already applied: nothing changes
}

TEST(ApplySuggestion, WritesOnlyTheRegionAndReturnsATightRect) {
  cv::Mat mask(8, 8, CV_8UC1, cv::Scalar(100));
  SuggestedRegion r;
  r.bbox = cv::Rect(2, 2, 4, 4);
  r.region = cv::Mat(4, 4, CV_8UC1, cv::Scalar(0));
  r.region(cv::Rect(1, 1, 2, 3)).setTo(255);
  r.add = true;
  mask.at<std::uint8_t>(3, 3) = 255;  // already foreground: not written
  EXPECT_EQ(applySuggestion(mask, r), cv::Rect(3, 3, 2, 3));
  EXPECT_EQ(cv::countNonZero(mask == 255), 6);
  EXPECT_EQ(cv::countNonZero(mask == 100), 58);
}

TEST(ApplySuggestion, RejectsABoxOutsideTheMaskOrAMismatchedRegion) {
  cv::Mat mask(8, 8, CV_8UC1, cv::Scalar(0));
  SuggestedRegion r;
  r.bbox = cv::Rect(6, 6, 4, 4);
  r.region = cv::Mat(4, 4, CV_8UC1, cv::Scalar(255));
  EXPECT_THROW(applySuggestion(mask, r), Error);
  r.bbox = cv::Rect(0, 0, 3, 4);
  EXPECT_THROW(applySuggestion(mask, r), Error);
  cv::Mat colour(8, 8, CV_8UC3, cv::Scalar::all(0));
  r.bbox = cv::Rect(0, 0, 4, 4);
  EXPECT_THROW(applySuggestion(colour, r), Error);
}
