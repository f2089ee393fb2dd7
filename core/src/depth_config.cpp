// depth.json: parsing with errors that name the file and the key, defaults, and stored -> metres.
#include "rgbdsod/core/depth_config.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "rgbdsod/core/errors.h"
#include "rgbdsod/core/input_limits.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace rgbdsod::core {
namespace {

[[noreturn]] void keyError(const fs::path& origin, const std::string& key, const std::string& problem) {
  throw FileError(origin, fmt::format("key \"{}\": {}", key, problem));
}

double numberAt(const json& j, const std::string& key, const fs::path& origin) {
  if (!j.is_number()) keyError(origin, key, fmt::format("expected a number, got {}", j.dump()));
  return j.get<double>();
}

CameraIntrinsics intrinsicsObject(const json& j, const fs::path& origin) {
  if (!j.is_object()) keyError(origin, "intrinsics", "expected an object {\"fx\", \"fy\", \"cx\", \"cy\"}");
  CameraIntrinsics c;
  for (auto [name, field] : {std::pair{"fx", &c.fx}, {"fy", &c.fy}, {"cx", &c.cx}, {"cy", &c.cy}}) {
    const std::string key = std::string("intrinsics.") + name;
    if (!j.contains(name)) keyError(origin, key, "missing (needs fx, fy, cx, cy)");
    *field = numberAt(j.at(name), key, origin);
  }
  for (const auto& [k, v] : j.items()) {
    (void)v;
    if (k != "fx" && k != "fy" && k != "cx" && k != "cy") keyError(origin, "intrinsics." + k, "unknown key");
  }
  if (c.fx <= 0.0) keyError(origin, "intrinsics.fx", fmt::format("focal length must be positive, got {}", c.fx));
  if (c.fy <= 0.0) keyError(origin, "intrinsics.fy", fmt::format("focal length must be positive, got {}", c.fy));
  return c;
}

}  // namespace

const char* toString(DepthEncoding e) { return e == DepthEncoding::Metric ? "metric" : "relative"; }

std::optional<DepthEncoding> parseDepthEncoding(std::string_view text) {
  if (text == "metric") return DepthEncoding::Metric;
  if (text == "relative") return DepthEncoding::Relative;
  return std::nullopt;
}

std::string DepthConfig::problem() const {
  if (!(scale > 0.0) || !std::isfinite(scale)) return fmt::format("scale: must be a positive number, got {}", scale);
  if (!(near_m > 0.0) || !std::isfinite(near_m)) return fmt::format("near_m: must be a positive number, got {}", near_m);
  if (!(far_m > near_m) || !std::isfinite(far_m))
    return fmt::format("far_m: must be greater than near_m ({}), got {}", near_m, far_m);
  if (encoding == DepthEncoding::Metric && polarity == DepthPolarity::NearIsBright)
    return "polarity: metric depth is near-dark by definition; use \"encoding\": \"relative\" for near-bright maps";
  if (camera)
    if (const std::string p = camera->problem(); !p.empty()) return "intrinsics: " + p;
  if (camera_size && (camera_size->width <= 0 || camera_size->height <= 0))
    return "intrinsics_size: width and height must be positive";
  return {};
}

std::string DepthConfig::fingerprint() const {
  json j;
  j["encoding"] = encoding ? toString(*encoding) : "by-bit-depth";
  j["scale"] = scale;
  j["near_m"] = near_m;
  j["far_m"] = far_m;
  j["polarity"] = polarity ? toString(*polarity) : "auto";
  if (camera) j["intrinsics"] = {{"fx", camera->fx}, {"fy", camera->fy}, {"cx", camera->cx}, {"cy", camera->cy}};
  else j["intrinsics"] = "nyu-colour-scaled";
  if (camera_size) j["intrinsics_size"] = {camera_size->width, camera_size->height};
  return j.dump();
}

DepthConfig parseDepthConfig(std::string_view text, const fs::path& origin) {
  checkJsonText(text, origin);  // size and nesting limits, before the parser sees the text
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    throw FileError(origin, fmt::format("not valid JSON: {}", e.what()));
  }
  if (!j.is_object()) throw FileError(origin, "expected a JSON object of depth settings");
  DepthConfig c;
  c.source = origin;
  for (const auto& [key, value] : j.items()) {
    if (key == "encoding") {
      if (!value.is_string()) keyError(origin, key, "expected \"metric\" or \"relative\"");
      const auto e = parseDepthEncoding(value.get<std::string>());
      if (!e) keyError(origin, key, fmt::format("expected \"metric\" or \"relative\", got {}", value.dump()));
      c.encoding = e;
    } else if (key == "scale") {
      c.scale = numberAt(value, key, origin);
      if (!(c.scale > 0.0)) keyError(origin, key, fmt::format("must be positive (metres per stored unit), got {}", c.scale));
    } else if (key == "near_m") {
      c.near_m = numberAt(value, key, origin);
    } else if (key == "far_m") {
      c.far_m = numberAt(value, key, origin);
    } else if (key == "polarity") {
      if (!value.is_string()) keyError(origin, key, "expected \"near-bright\", \"near-dark\" or \"auto\"");
      const std::string p = value.get<std::string>();
      if (p != "auto") {
        c.polarity = parsePolarity(p);
        if (!c.polarity) keyError(origin, key, fmt::format("expected \"near-bright\", \"near-dark\" or \"auto\", got \"{}\"", p));
      }
    } else if (key == "intrinsics") {
      if (j.contains("intrinsics_file")) keyError(origin, key, "give either \"intrinsics\" or \"intrinsics_file\", not both");
      c.camera = intrinsicsObject(value, origin);
    } else if (key == "intrinsics_file") {
      if (!value.is_string()) keyError(origin, key, "expected a file name");
      fs::path file = value.get<std::string>();
      if (file.is_relative()) file = origin.parent_path() / file;
      c.camera = readIntrinsicsFile(file);  // its FileError names that file
    } else if (key == "intrinsics_size") {
      if (!value.is_array() || value.size() != 2 || !value[0].is_number_integer() || !value[1].is_number_integer())
        keyError(origin, key, "expected [width, height] in pixels");
      c.camera_size = cv::Size(value[0].get<int>(), value[1].get<int>());
    } else {
      keyError(origin, key,
               "unknown key (known: encoding, scale, near_m, far_m, polarity, intrinsics, intrinsics_file, "
               "intrinsics_size)");
    }
  }
  if (const std::string p = c.problem(); !p.empty()) {
    const auto colon = p.find(':');
    keyError(origin, p.substr(0, colon), p.substr(colon + 2));
  }
  return c;
}

DepthConfig readDepthConfig(const fs::path& file) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) throw FileError(file, "depth config file does not exist or is not a file");
  return parseDepthConfig(readJsonFile(file), file);  // the size is checked before reading
}

DepthConfig datasetDepthConfig(const fs::path& root) {
  const fs::path file = root / kDepthConfigFile;
  std::error_code ec;
  return fs::exists(file, ec) ? readDepthConfig(file) : DepthConfig{};
}

DepthEncoding encodingFor(const DepthConfig& config, const cv::Mat& stored) {
  if (config.encoding) return *config.encoding;
  return stored.depth() == CV_16U ? DepthEncoding::Metric : DepthEncoding::Relative;
}

CameraIntrinsics defaultCamera(cv::Size image) {
  const CameraIntrinsics nyu = CameraIntrinsics::nyuColour();
  const double s = image.width / 640.0;
  // Offsets of the principal point from the image centre (1-based grid: the centre is at W/2 + 0.5).
  return CameraIntrinsics{nyu.fx * s, nyu.fy * s, (nyu.cx - 320.5) * s + image.width / 2.0 + 0.5,
                          (nyu.cy - 240.5) * s + image.height / 2.0 + 0.5};
}

CameraIntrinsics cameraFor(const DepthConfig& config, cv::Size image) {
  if (!config.camera) return defaultCamera(image);
  if (config.camera_size && *config.camera_size != image) return config.camera->resized(*config.camera_size, image);
  return *config.camera;
}

MetricDepth toMetric(const cv::Mat& stored, const DepthConfig& config, std::optional<DepthPolarity> polarity) {
  if (stored.empty() || stored.channels() != 1) throw std::invalid_argument("toMetric: expected a one-channel depth map");
  cv::Mat values;
  stored.convertTo(values, CV_64F);
  MetricDepth out{cv::Mat(stored.size(), CV_64F), cv::Mat(stored.size(), CV_8U)};
  if (encodingFor(config, stored) == DepthEncoding::Metric) {
    for (int y = 0; y < values.rows; ++y) {
      const double* v = values.ptr<double>(y);
      double* m = out.metres.ptr<double>(y);
      std::uint8_t* ok = out.measured.ptr<std::uint8_t>(y);
      for (int x = 0; x < values.cols; ++x) {
        m[x] = v[x] * config.scale;
        ok[x] = v[x] > 0.0 ? 1 : 0;
      }
    }
    return out;
  }
  const std::optional<DepthPolarity> p = config.polarity ? config.polarity : polarity;
  if (!p) throw std::invalid_argument("toMetric: relative depth needs a polarity (none configured or detected)");
  // Full scale of the stored type: 255 for 8-bit, 65535 for 16-bit, 1 for float maps in [0,1].
  const double full = stored.depth() == CV_8U ? 255.0 : stored.depth() == CV_16U ? 65535.0 : 1.0;
  for (int y = 0; y < values.rows; ++y) {
    const double* v = values.ptr<double>(y);
    double* m = out.metres.ptr<double>(y);
    std::uint8_t* ok = out.measured.ptr<std::uint8_t>(y);
    for (int x = 0; x < values.cols; ++x) {
      const double t = std::clamp(v[x] / full, 0.0, 1.0);
      const double nearness = *p == DepthPolarity::NearIsBright ? t : 1.0 - t;
      m[x] = config.far_m - nearness * (config.far_m - config.near_m);
      // As in normaliseDepth: zeros of near-dark maps are holes; near-bright zeros are just far.
      ok[x] = (*p == DepthPolarity::NearIsDark && v[x] <= 0.0) ? 0 : 1;
    }
  }
  return out;
}

}  // namespace rgbdsod::core
