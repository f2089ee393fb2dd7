// "Did you mean" suggestions for misspelt commands, stages, recipes and keys.
#include <gtest/gtest.h>

#include "rgbdsod/core/spelling.h"

using rgbdsod::core::closestName;
using rgbdsod::core::didYouMean;
using rgbdsod::core::editDistance;

TEST(Spelling, DistanceCountsEditsAndAdjacentSwapsCaseInsensitively) {
  EXPECT_EQ(editDistance("eval", "eval"), 0u);
  EXPECT_EQ(editDistance("evl", "eval"), 1u);
  EXPECT_EQ(editDistance("eavl", "eval"), 1u);  // one transposition
  EXPECT_EQ(editDistance("EVAL", "eval"), 0u);
  EXPECT_EQ(editDistance("", "abc"), 3u);
  EXPECT_EQ(editDistance("kitten", "sitting"), 3u);
}

TEST(Spelling, SuggestsTheNearestNameOnlyWhenItIsALikelyTypo) {
  const std::vector<std::string> commands{"synth", "noise", "dataset", "hha", "eval", "plot", "train", "infer"};
  EXPECT_EQ(closestName("evl", commands), "eval");
  EXPECT_EQ(closestName("trian", commands), "train");
  EXPECT_EQ(closestName("datset", commands), "dataset");
  EXPECT_FALSE(closestName("frobnicate", commands).has_value());
  EXPECT_FALSE(closestName("xy", commands).has_value());
  EXPECT_EQ(didYouMean("teachr", {"teacher", "distill"}), " (did you mean 'teacher'?)");
  EXPECT_EQ(didYouMean("zzzzzz", {"teacher", "distill"}), "");
}
