#include <algorithm>

#include <gtest/gtest.h>

#include "progress_bar.h"

using rgbdsod::cli::ProgressBar;

TEST(ProgressBar, RendersCountsRateAndEta) {
  const std::string line = ProgressBar::render({"validate", 50, 200, "x"}, 10.0, 80);
  EXPECT_NE(line.find("validate ["), std::string::npos) << line;
  EXPECT_NE(line.find(" 50/200"), std::string::npos) << line;
  EXPECT_NE(line.find("5.0/s"), std::string::npos) << line;
  EXPECT_NE(line.find("ETA 30s"), std::string::npos) << line;
  EXPECT_LE(line.size(), 80u);
}

TEST(ProgressBar, FillsInProportionToDone) {
  const std::string half = ProgressBar::render({"s", 1, 2, ""}, 1.0, 60);
  const auto open = half.find('['), close = half.find(']');
  const std::string bar = half.substr(open + 1, close - open - 1);
  const auto filled = static_cast<double>(std::count(bar.begin(), bar.end(), '='));
  EXPECT_NEAR(filled / static_cast<double>(bar.size()), 0.5, 0.1) << half;
  EXPECT_EQ(ProgressBar::render({"s", 2, 2, ""}, 1.0, 60).find("ETA"), std::string::npos);
}

TEST(ProgressBar, UnknownTotalShowsOnlyTheCount) {
  const std::string line = ProgressBar::render({"scan", 7, 0, ""}, 1.0, 60);
  EXPECT_NE(line.find(" 7  7.0/s"), std::string::npos) << line;
}
