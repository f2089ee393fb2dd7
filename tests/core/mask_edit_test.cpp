// The label-correction tools: each tool's exact pixels on small hand-drawn masks, the changed rect
// (every changed pixel inside it, and tight), soft values left alone, bad input and edge cases.
#include "rgbdsod/core/mask_edit.h"

#include <climits>
#include <cstdlib>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "rgbdsod/core/errors.h"

using namespace rgbdsod::core;
using Art = std::vector<std::string>;

namespace {

// '.' = 0, '#' = 255, 'g' = 100 (soft background), 'G' = 200 (soft foreground).
cv::Mat fromArt(const Art& art) {
  cv::Mat m(static_cast<int>(art.size()), static_cast<int>(art[0].size()), CV_8UC1);
  for (int y = 0; y < m.rows; ++y)
    for (int x = 0; x < m.cols; ++x) {
      const char c = art[static_cast<std::size_t>(y)][static_cast<std::size_t>(x)];
      m.at<std::uint8_t>(y, x) = c == '#' ? 255 : c == 'g' ? 100 : c == 'G' ? 200 : 0;
    }
  return m;
}

Art toArt(const cv::Mat& m) {
  Art art;
  for (int y = 0; y < m.rows; ++y) {
    std::string row;
    for (int x = 0; x < m.cols; ++x) {
      const int v = m.at<std::uint8_t>(y, x);
      row += v == 255 ? '#' : v == 100 ? 'g' : v == 200 ? 'G' : v == 0 ? '.' : '?';
    }
    art.push_back(row);
  }
  return art;
}

// The rect a tool returned is exactly the bounding box of the pixels it changed.
void expectTightRect(const cv::Mat& before, const cv::Mat& after, const cv::Rect& rect) {
  const cv::Mat changed = before != after;
  if (cv::countNonZero(changed) == 0) {
    EXPECT_TRUE(rect.empty()) << rect;
    return;
  }
  // Via the points: OpenCV 4.6's boundingRect of an 8-bit image misses columns on some widths
  // (a 5x5 mask with pixels in columns 0 and 1 gives width 1).
  std::vector<cv::Point> pts;
  cv::findNonZero(changed, pts);
  EXPECT_EQ(rect, cv::boundingRect(pts));
}

// Runs `tool` on the mask drawn as `before`; checks the result against `after` and the rect.
template <typename Tool>
void expectEdit(const Art& before, Tool tool, const Art& after) {
  cv::Mat mask = fromArt(before);
  const cv::Mat original = mask.clone();
  const cv::Rect rect = tool(mask);
  EXPECT_EQ(toArt(mask), after);
  expectTightRect(original, mask, rect);
}

const Art kBlank7(7, ".......");

}  // namespace

// ---- stampDisc ---------------------------------------------------------------------------------

TEST(StampDisc, RadiusTwoIsThePixelsWithinTwoOfTheCentre) {
  expectEdit(kBlank7, [](cv::Mat& m) { return stampDisc(m, {3, 3}, 2, 255); },
             {".......", "...#...", "..###..", ".#####.", "..###..", "...#...", "......."});
}

TEST(StampDisc, RadiusThreeMatchesTheEuclideanDisc) {
  expectEdit(kBlank7, [](cv::Mat& m) { return stampDisc(m, {3, 3}, 3, 255); },
             {"...#...", ".#####.", ".#####.", "#######", ".#####.", ".#####.", "...#..."});
}

TEST(StampDisc, RadiusZeroStampsOnePixel) {
  cv::Mat m = fromArt(kBlank7);
  EXPECT_EQ(stampDisc(m, {5, 1}, 0, 255), cv::Rect(5, 1, 1, 1));
  EXPECT_EQ(cv::countNonZero(m), 1);
  EXPECT_EQ(m.at<std::uint8_t>(1, 5), 255);
}

TEST(StampDisc, ClipsAtTheBorderAndAcceptsACentreOutside) {
  expectEdit({".....", ".....", ".....", ".....", "....."}, [](cv::Mat& m) { return stampDisc(m, {0, 0}, 2, 255); },
             {"###..", "##...", "#....", ".....", "....."});
  expectEdit({".....", ".....", ".....", ".....", "....."}, [](cv::Mat& m) { return stampDisc(m, {-1, 2}, 2, 255); },
             {".....", "#....", "##...", "#....", "....."});
}

TEST(StampDisc, FarOutsideChangesNothing) {
  cv::Mat m = fromArt(kBlank7);
  EXPECT_TRUE(stampDisc(m, {-10, 3}, 3, 255).empty());
  EXPECT_TRUE(stampDisc(m, {3, 100}, 3, 255).empty());
  EXPECT_EQ(cv::countNonZero(m), 0);
}

TEST(StampDisc, KeepsSoftValuesOutsideAndSkipsPixelsAlreadySet) {
  // The disc's middle row is already 255 and is not written; the grey ring around stays grey. A
  // disc that is already there changes nothing and returns an empty rect.
  expectEdit({"ggggggg", "gGGGGGg", "gg...gg", "g#####g", "gg...gg", "gGGGGGg", "ggggggg"},
             [](cv::Mat& m) { return stampDisc(m, {3, 3}, 1, 255); },
             {"ggggggg", "gGGGGGg", "gg.#.gg", "g#####g", "gg.#.gg", "gGGGGGg", "ggggggg"});
  expectEdit({".......", "...#...", "..###..", ".#####.", "..###..", "...#...", "......."},
             [](cv::Mat& m) { return stampDisc(m, {3, 3}, 2, 255); },
             {".......", "...#...", "..###..", ".#####.", "..###..", "...#...", "......."});
}

TEST(StampDisc, ErasingWritesZero) {
  expectEdit({"#######", "#######", "#######", "#######", "#######", "#######", "#######"},
             [](cv::Mat& m) { return stampDisc(m, {6, 6}, 1, 0); },
             {"#######", "#######", "#######", "#######", "#######", "######.", "#####.."});
}

TEST(StampDisc, RejectsBadMasksAndANegativeRadius) {
  cv::Mat empty, colour(5, 5, CV_8UC3, cv::Scalar::all(0)), wide(5, 5, CV_16UC1, cv::Scalar(0));
  cv::Mat ok(5, 5, CV_8UC1, cv::Scalar(0));
  EXPECT_THROW(stampDisc(empty, {1, 1}, 1, 255), Error);
  EXPECT_THROW(stampDisc(colour, {1, 1}, 1, 255), Error);
  EXPECT_THROW(stampDisc(wide, {1, 1}, 1, 255), Error);
  EXPECT_THROW(stampDisc(ok, {1, 1}, -1, 255), Error);
  EXPECT_THROW(stampSegment(ok, {1, 1}, {3, 3}, -2, 255), Error);
  EXPECT_THROW(stampSegment(colour, {1, 1}, {3, 3}, 1, 255), Error);
}

// ---- stampSegment ------------------------------------------------------------------------------

TEST(StampSegment, HorizontalRadiusZeroIsARunOfPixels) {
  expectEdit({".......", ".......", "......."}, [](cv::Mat& m) { return stampSegment(m, {1, 1}, {5, 1}, 0, 255); },
             {".......", ".#####.", "......."});
}

TEST(StampSegment, DiagonalStampsOnePerPixelOfTheLongerAxisWithoutGaps) {
  // 6 steps in x, 3 in y: y offsets round(i / 2) = 0 1 1 2 2 3 3 (halves away from `from`).
  expectEdit({".........", ".........", ".........", ".........", ".........", "........."},
             [](cv::Mat& m) { return stampSegment(m, {1, 1}, {7, 4}, 0, 255); },
             {".........", ".#.......", "..##.....", "....##...", "......##.", "........."});
}

TEST(StampSegment, EqualEndsStampOneDisc) {
  expectEdit(kBlank7, [](cv::Mat& m) { return stampSegment(m, {3, 3}, {3, 3}, 2, 255); },
             {".......", "...#...", "..###..", ".#####.", "..###..", "...#...", "......."});
}

TEST(StampSegment, StrokeClippedAtTheBorder) {
  expectEdit({".....", ".....", ".....", ".....", "....."},
             [](cv::Mat& m) { return stampSegment(m, {-3, 2}, {3, 2}, 1, 255); },
             {".....", "####.", "#####", "####.", "....."});
}

TEST(StampSegment, ThickStrokeIsTheUnionOfItsDiscs) {
  cv::Mat stroke(20, 24, CV_8UC1, cv::Scalar(0)), discs = stroke.clone();
  const cv::Rect r = stampSegment(stroke, {3, 4}, {19, 13}, 3, 255);
  for (int i = 0; i <= 16; ++i)  // 16 steps in x, 9 in y
    stampDisc(discs, {3 + i, 4 + (i * 9 * 2 + 16) / 32}, 3, 255);
  EXPECT_EQ(cv::countNonZero(stroke != discs), 0);
  expectTightRect(cv::Mat(20, 24, CV_8UC1, cv::Scalar(0)), stroke, r);
}

TEST(StampSegment, RandomStrokesEqualTheirDiscsStampedOneByOne) {
  cv::RNG rng(5);
  for (int k = 0; k < 200; ++k) {
    const cv::Point from(rng.uniform(-8, 40), rng.uniform(-8, 30)), to(rng.uniform(-8, 40), rng.uniform(-8, 30));
    const int radius = rng.uniform(0, 6);
    cv::Mat stroke(24, 32, CV_8UC1, cv::Scalar(100)), discs = stroke.clone();
    const cv::Rect r = stampSegment(stroke, from, to, radius, 255);
    const int n = std::max(std::abs(to.x - from.x), std::abs(to.y - from.y));
    const auto at = [n](int a, int d) {  // a + i d / n, halves away from a
      return [=](int i) { return a + (n ? (d * i >= 0 ? (2 * d * i + n) / (2 * n) : -((-2 * d * i + n) / (2 * n))) : 0); };
    };
    const auto fx = at(from.x, to.x - from.x), fy = at(from.y, to.y - from.y);
    for (int i = 0; i <= n; ++i) stampDisc(discs, {fx(i), fy(i)}, radius, 255);
    ASSERT_EQ(cv::countNonZero(stroke != discs), 0) << from << " -> " << to << " r " << radius;
    expectTightRect(cv::Mat(24, 32, CV_8UC1, cv::Scalar(100)), stroke, r);
  }
}

TEST(StampSegment, AStrokeFromFarOutsideIsClippedCheaply) {
  cv::Mat m(5, 5, CV_8UC1, cv::Scalar(0));
  EXPECT_EQ(stampSegment(m, {-500000000, 2}, {2, 2}, 0, 255), cv::Rect(0, 2, 3, 1));
  EXPECT_TRUE(stampSegment(m, {-500000000, -9}, {500000000, -9}, 3, 255).empty());
  EXPECT_THROW(stampSegment(m, {INT_MIN, 0}, {0, 0}, 1, 255), Error);
}

// ---- fillPolygon -------------------------------------------------------------------------------

TEST(FillPolygon, RectangleFillsItsInsideAndOutline) {
  expectEdit({".......", ".......", ".......", ".......", ".......", "......."},
             [](cv::Mat& m) { return fillPolygon(m, {{1, 1}, {5, 1}, {5, 4}, {1, 4}}, 255); },
             {".......", ".#####.", ".#####.", ".#####.", ".#####.", "......."});
}

TEST(FillPolygon, TriangleIncludesItsDiagonalEdge) {
  expectEdit(Art(9, "........."), [](cv::Mat& m) { return fillPolygon(m, {{1, 1}, {7, 1}, {1, 7}}, 255); },
             {".........", ".#######.", ".######..", ".#####...", ".####....", ".###.....", ".##......", ".#.......",
              "........."});
}

TEST(FillPolygon, FewerThanThreePointsChangeNothing) {
  cv::Mat m = fromArt(kBlank7);
  EXPECT_TRUE(fillPolygon(m, {}, 255).empty());
  EXPECT_TRUE(fillPolygon(m, {{1, 1}}, 255).empty());
  EXPECT_TRUE(fillPolygon(m, {{1, 1}, {5, 5}}, 255).empty());
  EXPECT_EQ(cv::countNonZero(m), 0);
}

TEST(FillPolygon, ClipsAtTheBorderAndIgnoresAPolygonOutside) {
  expectEdit({".....", ".....", ".....", ".....", "....."},
             [](cv::Mat& m) { return fillPolygon(m, {{-2, -2}, {3, -2}, {3, 3}, {-2, 3}}, 255); },
             {"####.", "####.", "####.", "####.", "....."});
  cv::Mat m = fromArt(kBlank7);
  EXPECT_TRUE(fillPolygon(m, {{10, 10}, {20, 10}, {20, 20}}, 255).empty());
  cv::Mat empty;
  EXPECT_THROW(fillPolygon(empty, {{0, 0}, {1, 0}, {1, 1}}, 255), Error);
}

TEST(FillPolygon, ErasesInsideAndKeepsSoftValuesOutside) {
  expectEdit({"GGGGGGG", "G#####G", "G#####G", "G#####G", "GGGGGGG"},
             [](cv::Mat& m) { return fillPolygon(m, {{2, 1}, {4, 1}, {4, 3}, {2, 3}}, 0); },
             {"GGGGGGG", "G#...#G", "G#...#G", "G#...#G", "GGGGGGG"});
}

// ---- magicWand ---------------------------------------------------------------------------------

TEST(MagicWand, ComparesWithTheSeedNotWithNeighbours) {
  // A ramp of 10 per column: chaining neighbours would take the row; the seed's 0 +- 15 takes two.
  cv::Mat guide(3, 7, CV_8UC1);
  for (int x = 0; x < 7; ++x) guide.col(x).setTo(cv::Scalar(10 * x));
  expectEdit({".......", ".......", "......."}, [&](cv::Mat& m) { return magicWand(m, guide, {0, 1}, 15, 255); },
             {"##.....", "##.....", "##....."});
  expectEdit({".......", ".......", "......."}, [&](cv::Mat& m) { return magicWand(m, guide, {3, 0}, 10, 255); },
             {"..###..", "..###..", "..###.."});
}

TEST(MagicWand, IsFourConnectedAndIgnoresTheMaskValues) {
  const cv::Mat guide = fromArt({"##...", "##...", "..#..", "...##", "...##"});
  expectEdit({"g....", ".G...", ".....", ".....", "....."}, [&](cv::Mat& m) { return magicWand(m, guide, {0, 0}, 0, 255); },
             {"##...", "##...", ".....", ".....", "....."});
}

TEST(MagicWand, ColourGuideNeedsEveryChannelWithinTolerance) {
  cv::Mat guide(1, 5, CV_8UC3, cv::Scalar(100, 100, 100));
  guide.at<cv::Vec3b>(0, 2) = {100, 100, 121};  // one channel out of range breaks the run
  guide.at<cv::Vec3b>(0, 1) = {120, 80, 110};   // every channel within 20
  expectEdit({"....."}, [&](cv::Mat& m) { return magicWand(m, guide, {0, 0}, 20, 255); }, {"##..."});
}

TEST(MagicWand, DepthGuideUsesItsOwnUnits) {
  cv::Mat depth = (cv::Mat_<std::uint16_t>(2, 4) << 1000, 1040, 1100, 1049, 3000, 1050, 1000, 960);
  expectEdit({"....", "...."}, [&](cv::Mat& m) { return magicWand(m, depth, {0, 0}, 50, 255); }, {"##.#", ".###"});
}

TEST(MagicWand, SeedOutsideChangesNothing) {
  cv::Mat m = fromArt(kBlank7), guide(7, 7, CV_8UC1, cv::Scalar(0));
  EXPECT_TRUE(magicWand(m, guide, {-1, 3}, 10, 255).empty());
  EXPECT_TRUE(magicWand(m, guide, {3, 7}, 10, 255).empty());
  EXPECT_EQ(cv::countNonZero(m), 0);
}

TEST(MagicWand, RejectsAGuideOfAnotherSizeOrTypeAndANegativeTolerance) {
  cv::Mat m = fromArt(kBlank7);
  EXPECT_THROW(magicWand(m, cv::Mat(7, 8, CV_8UC1, cv::Scalar(0)), {1, 1}, 10, 255), Error);
  EXPECT_THROW(magicWand(m, cv::Mat(), {1, 1}, 10, 255), Error);
  EXPECT_THROW(magicWand(m, cv::Mat(7, 7, CV_32FC1, cv::Scalar(0)), {1, 1}, 10, 255), Error);
  EXPECT_THROW(magicWand(m, cv::Mat(7, 7, CV_16UC3, cv::Scalar::all(0)), {1, 1}, 10, 255), Error);
  EXPECT_THROW(magicWand(m, cv::Mat(7, 7, CV_8UC1, cv::Scalar(0)), {1, 1}, -1, 255), Error);
  try {
    magicWand(m, cv::Mat(5, 9, CV_8UC1, cv::Scalar(0)), {1, 1}, 10, 255);
    FAIL() << "no throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("9x5"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("7x7"), std::string::npos) << e.what();
  }
}

// ---- flipRegion --------------------------------------------------------------------------------

TEST(FlipRegion, ForegroundComponentBecomesBackgroundIncludingSoftPixels) {
  // The diagonal neighbour at (4, 3) is another 4-connected component and stays.
  expectEdit({".......", ".##G...", ".#G#...", "....#..", "......."}, [](cv::Mat& m) { return flipRegion(m, {1, 1}); },
             {".......", ".......", ".......", "....#..", "......."});
}

TEST(FlipRegion, BackgroundHoleBecomesForeground) {
  expectEdit({"ggggggg", "g#####g", "g#.g.#g", "g#####g", "ggggggg"}, [](cv::Mat& m) { return flipRegion(m, {3, 2}); },
             {"ggggggg", "g#####g", "g#####g", "g#####g", "ggggggg"});
}

TEST(FlipRegion, SeedOutsideChangesNothingAndBadMasksThrow) {
  cv::Mat m = fromArt(kBlank7);
  EXPECT_TRUE(flipRegion(m, {7, 0}).empty());
  EXPECT_TRUE(flipRegion(m, {0, -1}).empty());
  EXPECT_EQ(cv::countNonZero(m), 0);
  cv::Mat colour(3, 3, CV_8UC3, cv::Scalar::all(0));
  EXPECT_THROW(flipRegion(colour, {1, 1}), Error);
}

// ---- fillHoles ---------------------------------------------------------------------------------

TEST(FillHoles, FillsEnclosedBackgroundOnly) {
  expectEdit({".......", ".#####.", ".#.g.#.", ".#####.", ".......", "###....", "..#...."},
             [](cv::Mat& m) { return fillHoles(m); },
             {".......", ".#####.", ".#####.", ".#####.", ".......", "###....", "..#...."});
}

TEST(FillHoles, ADiagonalGapDoesNotLetAHoleOut) {
  expectEdit({".....", "..#..", ".#.#.", "..#..", "....."}, [](cv::Mat& m) { return fillHoles(m); },
             {".....", "..#..", ".###.", "..#..", "....."});
}

TEST(FillHoles, BackgroundTouchingTheBorderStays) {
  expectEdit({"#####", "#...#", "#...#", "#...."}, [](cv::Mat& m) { return fillHoles(m); },
             {"#####", "#...#", "#...#", "#...."});
  expectEdit({"#####", "#G..#", "#..g#", "#####"}, [](cv::Mat& m) { return fillHoles(m); },
             {"#####", "#G###", "#####", "#####"});
}

TEST(FillHoles, NoForegroundChangesNothing) {
  expectEdit({"ggg", "g.g", "ggg"}, [](cv::Mat& m) { return fillHoles(m); }, {"ggg", "g.g", "ggg"});
}

// ---- growShrink --------------------------------------------------------------------------------

TEST(GrowShrink, GrowingAPixelByTwoGivesTheRadiusTwoDisc) {
  expectEdit({".......", ".......", ".......", "...#...", ".......", ".......", "......."},
             [](cv::Mat& m) { return growShrink(m, 2); },
             {".......", "...#...", "..###..", ".#####.", "..###..", "...#...", "......."});
}

TEST(GrowShrink, ShrinkingASquareByOne) {
  expectEdit({".......", ".#####.", ".#####.", ".#####.", ".#####.", ".#####.", "......."},
             [](cv::Mat& m) { return growShrink(m, -1); },
             {".......", ".......", "..###..", "..###..", "..###..", ".......", "......."});
}

TEST(GrowShrink, AnObjectCutByTheFrameDoesNotShrinkFromIt) {
  expectEdit({"####...", "####...", "####...", "####..."}, [](cv::Mat& m) { return growShrink(m, -1); },
             {"###....", "###....", "###....", "###...."});
}

TEST(GrowShrink, WritesOnlyPixelsWhoseBinaryLabelChanges) {
  expectEdit({"gggggg", "gGGGgg", "gG#Ggg", "gGGGgg", "gggggg"}, [](cv::Mat& m) { return growShrink(m, 1); },
             {"g###gg", "#GGG#g", "#G#G#g", "#GGG#g", "g###gg"});
  expectEdit({"gggggg", "gGGGgg", "gG#Ggg", "gGGGgg", "gggggg"}, [](cv::Mat& m) { return growShrink(m, -1); },
             {"gggggg", "g...gg", "g.#.gg", "g...gg", "gggggg"});
}

TEST(GrowShrink, ZeroEmptyAndHugeSteps) {
  cv::Mat m = fromArt({".....", "..#..", "....."});
  EXPECT_TRUE(growShrink(m, 0).empty());
  cv::Mat none = fromArt(kBlank7);
  EXPECT_TRUE(growShrink(none, 3).empty());
  EXPECT_TRUE(growShrink(none, -3).empty());
  EXPECT_EQ(growShrink(m, 1000000), cv::Rect(0, 0, 5, 3));
  EXPECT_EQ(cv::countNonZero(m), 15);
  EXPECT_TRUE(growShrink(m, -1000000).empty());  // no background left to shrink towards
  m.at<std::uint8_t>(0, 0) = 0;
  EXPECT_EQ(growShrink(m, -1000000), cv::Rect(0, 0, 5, 3));
  EXPECT_EQ(cv::countNonZero(m), 0);
  cv::Mat colour(3, 3, CV_8UC3, cv::Scalar::all(0));
  EXPECT_THROW(growShrink(colour, 1), Error);
  EXPECT_THROW(fillHoles(colour), Error);
}

TEST(GrowShrink, MatchesDilateAndErodeWithTheDiscOnARandomMask) {
  cv::Mat mask(48, 64, CV_8UC1);
  cv::RNG rng(12);
  rng.fill(mask, cv::RNG::UNIFORM, 0, 256);
  cv::GaussianBlur(mask, mask, {9, 9}, 3);
  cv::Mat bin = mask >= kMaskThreshold;
  for (const int r : {1, 2, 3, 5}) {
    cv::Mat disc(2 * r + 1, 2 * r + 1, CV_8UC1, cv::Scalar(0));
    stampDisc(disc, {r, r}, r, 1);
    cv::Mat grown, shrunk;
    cv::dilate(bin, grown, disc);
    cv::erode(bin, shrunk, disc);  // default border: outside counts as foreground
    for (const int n : {r, -r}) {
      cv::Mat m = mask.clone();
      const cv::Rect rect = growShrink(m, n);
      EXPECT_EQ(cv::countNonZero((m >= kMaskThreshold) != (n > 0 ? grown : shrunk)), 0) << "n = " << n;
      const cv::Mat same_label = (m >= kMaskThreshold) == bin;
      EXPECT_EQ(cv::countNonZero((m != mask) & same_label), 0) << "a pixel was written without changing label";
      expectTightRect(mask, m, rect);
    }
  }
}
