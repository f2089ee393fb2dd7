#pragma once
// Fixtures of the Evaluation view tests: a GT folder of binary masks and prediction folders made
// from it (a perfect copy and a blurred, noisy one), written with OpenCV.
#include <filesystem>
#include <string>

#include <QString>
#include <QTemporaryDir>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace rgbdsod::test {

struct EvalFolders {
  QString gt;
  QString perfect;
  QString blurred;
};

inline QString imageName(int i) { return QString::asprintf("img_%04d", i); }

// `count` masks of side x side: one ellipse each, placed and sized by the index (deterministic).
inline EvalFolders writeEvalFolders(const QTemporaryDir& dir, int count, int side) {
  namespace fs = std::filesystem;
  const fs::path root = dir.path().toStdString();
  EvalFolders out{QString::fromStdString((root / "GT").string()), QString::fromStdString((root / "Perfect").string()),
                  QString::fromStdString((root / "Blurred").string())};
  for (const QString& f : {out.gt, out.perfect, out.blurred}) fs::create_directories(f.toStdString());
  cv::RNG rng(12345);
  for (int i = 0; i < count; ++i) {
    cv::Mat gt = cv::Mat::zeros(side, side, CV_8UC1);
    const cv::Point centre(side / 4 + (i * 7) % (side / 2), side / 4 + (i * 13) % (side / 2));
    const cv::Size axes(side / 8 + (i * 5) % (side / 6), side / 10 + (i * 3) % (side / 6));
    cv::ellipse(gt, centre, axes, (i * 17) % 180, 0, 360, cv::Scalar(255), cv::FILLED);
    cv::Mat blurred;
    cv::GaussianBlur(gt, blurred, cv::Size(15, 15), 5.0);
    cv::Mat noise(side, side, CV_8UC1);
    rng.fill(noise, cv::RNG::UNIFORM, 0, 40);
    cv::add(blurred, noise, blurred);
    const std::string name = imageName(i).toStdString() + ".png";
    cv::imwrite((fs::path(out.gt.toStdString()) / name).string(), gt);
    cv::imwrite((fs::path(out.perfect.toStdString()) / name).string(), gt);
    cv::imwrite((fs::path(out.blurred.toStdString()) / name).string(), blurred);
  }
  return out;
}

}  // namespace rgbdsod::test
