#pragma once
// The studio's depth settings as the user types them, checked into a core::DepthConfig with an
// error per field, and written back as <dataset>/depth.json. Widget-free, so that the rules are
// tested without a dialog; the dialog (depth_settings_dialog.h) only shows them.
#include <filesystem>
#include <optional>

#include <QMap>
#include <QString>

#include "rgbdsod/core/depth_config.h"

namespace rgbdsod::ui {

// Field names, also the keys of DepthSettingsCheck::field_errors (depth.json's key names).
namespace depth_field {
inline constexpr const char* kEncoding = "encoding";
inline constexpr const char* kScale = "scale";
inline constexpr const char* kNear = "near_m";
inline constexpr const char* kFar = "far_m";
inline constexpr const char* kPolarity = "polarity";
inline constexpr const char* kFx = "fx";
inline constexpr const char* kFy = "fy";
inline constexpr const char* kCx = "cx";
inline constexpr const char* kCy = "cy";
}  // namespace depth_field

struct DepthSettingsForm {
  QString encoding = QStringLiteral("auto");  // "auto" (by bit depth), "metric", "relative"
  QString scale, near_m, far_m;
  QString polarity = QStringLiteral("auto");  // "auto", "near-bright", "near-dark"
  bool custom_camera = false;                 // false: NYU colour camera scaled to each image
  QString fx, fy, cx, cy;
};

struct DepthSettingsCheck {
  std::optional<core::DepthConfig> config;  // set only when every field is valid
  QMap<QString, QString> field_errors;      // field -> "fx: focal length must be positive, got -5"
  QString message;                          // all problems, one per line; empty when valid
};

DepthSettingsForm formFromConfig(const core::DepthConfig& config);

// Parses and validates the form. `base` supplies what the form does not show (intrinsics_size,
// source), so that a checked config keeps them.
DepthSettingsCheck checkDepthSettings(const DepthSettingsForm& form, const core::DepthConfig& base);

// depth.json text for the config (only keys that differ from the defaults, plus explicit ones).
QString depthConfigJson(const core::DepthConfig& config);

// Writes <dataset_root>/depth.json atomically after checking that core reads it back to the same
// settings; returns the written file. Throws core::FileError naming the file.
std::filesystem::path saveDepthConfig(const core::DepthConfig& config,
                                      const std::filesystem::path& dataset_root);

}  // namespace rgbdsod::ui
