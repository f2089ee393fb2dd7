// Region-level label noise (CAS-style low-fidelity labels) and the noisy copy of a dataset.
#include "rgbdsod/core/label_noise.h"

#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <spdlog/spdlog.h>

#include "rgbdsod/core/atomic_write.h"
#include "rgbdsod/core/dataset.h"
#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/image_io.h"

namespace fs = std::filesystem;

namespace rgbdsod::core {

std::uint64_t labelNoiseSampleSeed(std::uint64_t seed, std::string_view sample_name) noexcept {
  std::uint64_t h = 0xCBF29CE484222325ULL;  // FNV-1a, 64 bit
  for (const char c : sample_name) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001B3ULL;
  }
  SplitMix64 mix(SplitMix64(seed).next() ^ h);
  return mix.next();
}

void validateLabelNoiseOptions(const LabelNoiseOptions& options) {
  if (!(options.p >= 0.0 && options.p <= 1.0))
    throw Error("label noise: p must be in [0, 1], got " + std::to_string(options.p));
  if (options.threshold < 1 || options.threshold > 255)
    throw Error("label noise: threshold must be in 1..255, got " + std::to_string(options.threshold));
}

NoisyMask flipRegions(const cv::Mat& gt, const LabelNoiseOptions& options, std::uint64_t sample_seed) {
  validateLabelNoiseOptions(options);
  if (gt.empty()) throw Error("label noise: empty mask");
  if (gt.type() != CV_8UC1) throw Error("label noise: mask must be CV_8UC1 (8-bit, one channel)");

  cv::Mat fg, bg;
  cv::compare(gt, cv::Scalar(options.threshold), fg, cv::CMP_GE);  // 255 where foreground
  cv::bitwise_not(fg, bg);
  cv::Mat fg_labels, bg_labels;
  const int n_fg = cv::connectedComponents(fg, fg_labels, 4, CV_32S);
  const int n_bg = cv::connectedComponents(bg, bg_labels, 4, CV_32S);

  // Canonical region order: raster order of each region's first pixel, so the draws do not depend
  // on how OpenCV numbers the components. -1 = not seen yet; else the region's output value.
  std::vector<int> fg_value(static_cast<std::size_t>(n_fg), -1), bg_value(static_cast<std::size_t>(n_bg), -1);
  SplitMix64 rng(sample_seed);
  NoisyMask result;
  result.mask.create(gt.size(), CV_8UC1);
  for (int y = 0; y < gt.rows; ++y) {
    const std::uint8_t* f = fg.ptr<std::uint8_t>(y);
    const int* fl = fg_labels.ptr<int>(y);
    const int* bl = bg_labels.ptr<int>(y);
    std::uint8_t* out = result.mask.ptr<std::uint8_t>(y);
    for (int x = 0; x < gt.cols; ++x) {
      const bool is_fg = f[x] != 0;
      int& value = is_fg ? fg_value[static_cast<std::size_t>(fl[x])] : bg_value[static_cast<std::size_t>(bl[x])];
      if (value < 0) {
        const bool flip = rng.uniform() < options.p;
        ++result.regions;
        if (flip) ++result.flipped;
        value = (is_fg != flip) ? 255 : 0;
      }
      out[x] = static_cast<std::uint8_t>(value);
    }
  }
  return result;
}

namespace {

void copyFile(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::copy_file(from, to, fs::copy_options::none, ec);
  if (ec) throw FileError(from, "cannot copy to " + to.string() + ": " + ec.message());
}

}  // namespace

LabelNoiseSummary writeNoisyDataset(const fs::path& data, const fs::path& out_arg, const LabelNoiseOptions& options,
                                    const JobContext& job) {
  validateLabelNoiseOptions(options);
  const Dataset ds = openDataset(data);
  if (!ds.labeled()) throw FileError(data, "has no GT folder; label noise needs a labeled dataset");
  if (!ds.strays.empty()) spdlog::warn("{}: {} stray file(s) ignored (see `rgbdsod dataset check`)", data.string(),
                                       ds.strays.size());

  LabelNoiseSummary summary;
  summary.root = writeFolderAtomic(out_arg, [&](const fs::path& tmp) {
    std::error_code ec;
    for (const char* kind : {"RGB", "depth", "GT"}) {
      fs::create_directory(tmp / kind, ec);
      if (ec) throw FileError(tmp / kind, "cannot create folder: " + ec.message());
    }
    const std::vector<int> png{cv::IMWRITE_PNG_COMPRESSION, 3};
    nlohmann::json samples = nlohmann::json::array();
    const std::size_t total = ds.samples.size();
    for (std::size_t i = 0; i < total; ++i) {
      job.throwIfCancelled();
      const SampleFiles& f = ds.samples[i];
      const auto missing = [&](const fs::path& dir, Modality m) {
        return FileError(dir / f.name, "sample " + f.name + " has no " + toString(m) + " file");
      };
      if (f.rgb.empty()) throw missing(ds.layout.rgb_dir, Modality::Rgb);
      if (f.depth.empty()) throw missing(ds.layout.depth_dir, Modality::Depth);
      if (f.gt.empty()) throw missing(ds.layout.gt_dir, Modality::Gt);

      const NoisyMask noisy = flipRegions(readMask(f.gt), options, labelNoiseSampleSeed(options.seed, f.name));
      const fs::path gt_out = tmp / "GT" / (f.name + ".png");
      // Encoded in memory and written by the checked writer: cv::imwrite neither says why a write
      // failed nor notices a full disk when the file is closed.
      std::vector<uchar> encoded;
      try {
        if (!cv::imencode(".png", noisy.mask, encoded, png)) throw FileError(gt_out, "cannot encode image");
      } catch (const cv::Exception& e) {
        throw FileError(gt_out, std::string("cannot encode image: ") + e.what());
      }
      writeNewFile(gt_out, std::string_view(reinterpret_cast<const char*>(encoded.data()), encoded.size()));
      copyFile(f.rgb, tmp / "RGB" / f.rgb.filename());
      copyFile(f.depth, tmp / "depth" / f.depth.filename());

      samples.push_back({{"name", f.name}, {"regions", noisy.regions}, {"flipped", noisy.flipped}});
      ++summary.samples;
      summary.regions += static_cast<std::size_t>(noisy.regions);
      summary.flipped += static_cast<std::size_t>(noisy.flipped);
      job.report("noise", i + 1, total, f.name);
    }
    job.throwIfCancelled();

    const nlohmann::json meta = {
        {"generator", "rgbdsod noise"},
        {"format_version", 1},
        {"p", options.p},
        {"seed", options.seed},
        {"threshold", options.threshold},
        {"connectivity", 4},
        {"source", fs::absolute(data).lexically_normal().string()},
        {"totals",
         {{"samples", summary.samples},
          {"regions", summary.regions},
          {"flipped", summary.flipped},
          {"flipped_share", summary.regions ? static_cast<double>(summary.flipped) / static_cast<double>(summary.regions)
                                            : 0.0}}},
        {"samples", samples}};
    writeFileAtomic(tmp / "noise.json", meta.dump(1));
    job.throwIfCancelled();
  });
  return summary;
}

}  // namespace rgbdsod::core
