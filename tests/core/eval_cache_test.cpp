// The evaluation cache: content keys, hits and misses, corrupt and unwritable cache files.
#include <cstdlib>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "rgbdsod/core/eval_cache.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace rgbdsod::core;
using rgbdsod::test::TempDir;

namespace {

// GT/ with three masks and pred/ with slightly shifted copies (so that the metrics are not trivial).
void writeFolders(const fs::path& root) {
  fs::create_directories(root / "GT");
  fs::create_directories(root / "pred");
  for (int i = 0; i < 3; ++i) {
    cv::Mat gt(40, 48, CV_8UC1, cv::Scalar(0));
    cv::circle(gt, {20 + i * 4, 20}, 8 + i, cv::Scalar(255), cv::FILLED);
    cv::Mat pred;
    cv::GaussianBlur(gt, pred, {7, 7}, 2.0);
    const std::string name = "img" + std::to_string(i) + ".png";
    cv::imwrite((root / "GT" / name).string(), gt);
    cv::imwrite((root / "pred" / name).string(), pred);
  }
}

std::string readText(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void expectSame(const FolderEvaluation& a, const FolderEvaluation& b) {
  EXPECT_EQ(a.metrics.images, b.metrics.images);
  for (Metric m : allMetrics()) EXPECT_EQ(metricValue(a.metrics, m), metricValue(b.metrics, m)) << metricKey(m);
  EXPECT_EQ(a.metrics.curves.precision, b.metrics.curves.precision);
  EXPECT_EQ(a.metrics.curves.emeasure, b.metrics.curves.emeasure);
  ASSERT_EQ(a.images.size(), b.images.size());
  for (std::size_t i = 0; i < a.images.size(); ++i) {
    EXPECT_EQ(a.images[i].name, b.images[i].name);
    EXPECT_EQ(a.images[i].pred_file, b.images[i].pred_file);
    for (Metric m : allMetrics()) EXPECT_EQ(metricValue(a.images[i].scores, m), metricValue(b.images[i].scores, m));
  }
  EXPECT_EQ(a.missing.size(), b.missing.size());
  EXPECT_EQ(a.extra.size(), b.extra.size());
}

}  // namespace

TEST(EvalCache, HasherStreamsAndSeparatesContents) {
  std::string data(1000, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7 + 3);
  const std::uint64_t whole = hashBytes(data);
  for (std::size_t split : {0u, 1u, 7u, 8u, 13u, 999u}) {
    ContentHasher h;
    h.update(data.data(), split);
    h.update(data.data() + split, data.size() - split);
    EXPECT_EQ(h.digest(), whole) << split;
  }
  std::string edited = data;
  edited[500] ^= 1;
  EXPECT_NE(hashBytes(edited), whole);
  EXPECT_NE(hashBytes(data.substr(0, 999)), whole);
  EXPECT_NE(hashBytes(""), hashBytes(std::string(1, '\0')));
  TempDir dir;
  rgbdsod::test::writeBytes(dir / "f.bin", data);
  EXPECT_EQ(hashFileContent(dir / "f.bin"), whole);
}

TEST(EvalCache, KeyFollowsContentNamesAndOptions) {
  TempDir dir;
  writeFolders(dir.path());
  EvalOptions options;
  const std::string key = EvalCache::key(dir / "GT", dir / "pred", options);
  EXPECT_EQ(key.size(), 16u);
  EXPECT_EQ(EvalCache::key(dir / "GT", dir / "pred", options), key);
  // Same size, one byte changed.
  std::string bytes = readText(dir / "pred" / "img1.png");
  bytes[bytes.size() - 20] ^= 0x40;
  rgbdsod::test::writeBytes(dir / "pred" / "img1.png", bytes);
  const std::string edited = EvalCache::key(dir / "GT", dir / "pred", options);
  EXPECT_NE(edited, key);
  fs::rename(dir / "pred" / "img1.png", dir / "pred" / "img9.png");
  EXPECT_NE(EvalCache::key(dir / "GT", dir / "pred", options), edited);
  EvalOptions named = options;
  named.method = "MyNet";
  EXPECT_NE(EvalCache::key(dir / "GT", dir / "pred", named), EvalCache::key(dir / "GT", dir / "pred", options));
}

TEST(EvalCache, SecondRunIsACacheHitAndAnEditIsEvaluatedAgain) {
  TempDir dir;
  writeFolders(dir.path());
  const EvalCache cache(dir / "cache");
  EvalOptions options;
  options.method = "M";
  const CachedEvaluation first = evaluateFoldersCached(dir / "GT", dir / "pred", options, {}, &cache);
  EXPECT_FALSE(first.from_cache);
  const fs::path file = cache.fileFor(dir / "GT", dir / "pred", options);
  ASSERT_TRUE(fs::exists(file));
  const auto stamp = fs::last_write_time(file);

  const CachedEvaluation second = evaluateFoldersCached(dir / "GT", dir / "pred", options, {}, &cache);
  EXPECT_TRUE(second.from_cache);
  expectSame(first.evaluation, second.evaluation);
  EXPECT_EQ(fs::last_write_time(file), stamp);  // a hit does not rewrite

  cv::Mat worse(40, 48, CV_8UC1, cv::Scalar(128));
  cv::imwrite((dir / "pred" / "img0.png").string(), worse);
  const CachedEvaluation third = evaluateFoldersCached(dir / "GT", dir / "pred", options, {}, &cache);
  EXPECT_FALSE(third.from_cache);
  EXPECT_GT(third.evaluation.metrics.mae, first.evaluation.metrics.mae);
  EXPECT_TRUE(evaluateFoldersCached(dir / "GT", dir / "pred", options, {}, &cache).from_cache);
}

TEST(EvalCache, CorruptFileIsIgnoredAndReplaced) {
  TempDir dir;
  writeFolders(dir.path());
  const EvalCache cache(dir / "cache");
  const EvalOptions options;
  const CachedEvaluation first = evaluateFoldersCached(dir / "GT", dir / "pred", options, {}, &cache);
  const fs::path file = cache.fileFor(dir / "GT", dir / "pred", options);
  for (const std::string& garbage : {std::string("{\"format\": \"rgbdsod-eval-cache\", \"vers"), std::string("\x89PNG"),
                                    readText(file).replace(readText(file).find("\"images\""), 8, "\"imagez\"")}) {
    rgbdsod::test::writeBytes(file, garbage);
    const CachedEvaluation again = evaluateFoldersCached(dir / "GT", dir / "pred", options, {}, &cache);
    EXPECT_FALSE(again.from_cache);
    expectSame(first.evaluation, again.evaluation);
    EXPECT_TRUE(evaluateFoldersCached(dir / "GT", dir / "pred", options, {}, &cache).from_cache);
  }
}

TEST(EvalCache, UnwritableCacheDoesNotFailTheEvaluation) {
  TempDir dir;
  writeFolders(dir.path());
  rgbdsod::test::writeBytes(dir / "blocker", "a file where the cache folder should be");
  const EvalCache cache(dir / "blocker" / "cache");
  const CachedEvaluation r = evaluateFoldersCached(dir / "GT", dir / "pred", {}, {}, &cache);
  EXPECT_FALSE(r.from_cache);
  EXPECT_EQ(r.evaluation.metrics.images, 3u);
}

TEST(EvalCache, CachedPathsFollowTheFoldersAsNamedNow) {
  TempDir dir;
  writeFolders(dir.path());
  const FolderEvaluation e = evaluateFolders(dir / "GT", dir / "pred");
  std::string key;
  const FolderEvaluation back = fromCacheJson(toCacheJson(e, "k1"), "elsewhere/GT", "elsewhere/pred", &key);
  EXPECT_EQ(key, "k1");
  ASSERT_EQ(back.images.size(), 3u);
  EXPECT_EQ(back.images[0].gt_file, fs::path("elsewhere/GT/img0.png"));
  EXPECT_EQ(back.images[0].pred_file, fs::path("elsewhere/pred/img0.png"));
  expectSame(e, fromCacheJson(toCacheJson(e, "k1"), dir / "GT", dir / "pred"));
}

TEST(EvalCache, DefaultFolderFollowsXdg) {
  const char* old = std::getenv("XDG_CACHE_HOME");
  const std::string saved = old ? old : "";
  ::setenv("XDG_CACHE_HOME", "/tmp/xdg-test", 1);
  EXPECT_EQ(defaultEvalCacheDir(), fs::path("/tmp/xdg-test/rgbdsod/eval"));
  ::setenv("XDG_CACHE_HOME", "relative", 1);  // the spec ignores relative paths
  EXPECT_NE(defaultEvalCacheDir(), fs::path("relative/rgbdsod/eval"));
  if (old) ::setenv("XDG_CACHE_HOME", saved.c_str(), 1);
  else ::unsetenv("XDG_CACHE_HOME");
}
