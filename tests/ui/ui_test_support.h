#pragma once
// Shared helpers of the studio tests: small synthetic datasets and image checks.
#include <filesystem>

#include <QImage>
#include <QString>
#include <QTemporaryDir>
#include <QtTest>

#include "rgbdsod/core/synth.h"

namespace rgbdsod::test {

// Writes a synthetic collection (train/ and test/) into dir/name; returns its path.
inline QString writeDemo(const QTemporaryDir& dir, const QString& name, int count, int side,
                         std::uint64_t seed = 7) {
  core::SynthConfig config;
  config.seed = seed;
  config.count = count;
  config.width = side;
  config.height = side;
  const QString out = dir.filePath(name);
  core::writeSynthDataset(std::filesystem::path(out.toStdString()), config);
  return out;
}

// Number of distinct colours in a region (capped): a blank or uniform region has 1.
inline int distinctColours(const QImage& image, const QRect& region, int cap = 64) {
  QSet<QRgb> seen;
  const QRect r = region.intersected(image.rect());
  for (int y = r.top(); y <= r.bottom(); y += 2) {
    for (int x = r.left(); x <= r.right(); x += 2) {
      seen.insert(image.pixel(x, y));
      if (seen.size() >= cap) return cap;
    }
  }
  return static_cast<int>(seen.size());
}

inline bool isNonUniform(const QImage& image) {
  return !image.isNull() && distinctColours(image, image.rect(), 8) > 1;
}

}  // namespace rgbdsod::test
