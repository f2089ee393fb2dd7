#include "rgbdsod/ui/depth_views/depth_settings.h"

#include <cmath>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include "rgbdsod/core/atomic_write.h"
#include "rgbdsod/core/errors.h"

namespace rgbdsod::ui {

namespace {

QString number(double v) { return QString::number(v, 'g', 17); }

// A required number field: records "<field>: <problem>" and returns nullopt when it is not one.
std::optional<double> parseNumber(const QString& text, const char* field, DepthSettingsCheck& check) {
  bool ok = false;
  const double v = text.trimmed().toDouble(&ok);
  if (text.trimmed().isEmpty()) {
    check.field_errors.insert(QString::fromLatin1(field), QStringLiteral("%1: a number is required").arg(field));
    return std::nullopt;
  }
  if (!ok || !std::isfinite(v)) {
    check.field_errors.insert(QString::fromLatin1(field),
                              QStringLiteral("%1: not a number: '%2'").arg(field, text.trimmed()));
    return std::nullopt;
  }
  return v;
}

void addError(DepthSettingsCheck& check, const char* field, const QString& problem) {
  check.field_errors.insert(QString::fromLatin1(field), QStringLiteral("%1: %2").arg(field, problem));
}

}  // namespace

DepthSettingsForm formFromConfig(const core::DepthConfig& config) {
  DepthSettingsForm form;
  form.encoding = config.encoding ? QString::fromLatin1(core::toString(*config.encoding)) : QStringLiteral("auto");
  form.scale = number(config.scale);
  form.near_m = number(config.near_m);
  form.far_m = number(config.far_m);
  form.polarity = config.polarity ? QString::fromLatin1(core::toString(*config.polarity)) : QStringLiteral("auto");
  form.custom_camera = config.camera.has_value();
  const core::CameraIntrinsics camera = config.camera.value_or(core::CameraIntrinsics::nyuColour());
  form.fx = number(camera.fx);
  form.fy = number(camera.fy);
  form.cx = number(camera.cx);
  form.cy = number(camera.cy);
  return form;
}

DepthSettingsCheck checkDepthSettings(const DepthSettingsForm& form, const core::DepthConfig& base) {
  DepthSettingsCheck check;
  core::DepthConfig c = base;
  c.encoding = form.encoding == QLatin1String("auto") ? std::nullopt
                                                      : core::parseDepthEncoding(form.encoding.toStdString());
  if (form.encoding != QLatin1String("auto") && !c.encoding)
    addError(check, depth_field::kEncoding, QStringLiteral("expected auto, metric or relative"));
  c.polarity = form.polarity == QLatin1String("auto") ? std::nullopt : core::parsePolarity(form.polarity.toStdString());
  if (form.polarity != QLatin1String("auto") && !c.polarity)
    addError(check, depth_field::kPolarity, QStringLiteral("expected auto, near-bright or near-dark"));

  // The same rules as depth.json (core's DepthConfig::problem), stated per field.
  if (const auto v = parseNumber(form.scale, depth_field::kScale, check)) {
    c.scale = *v;
    if (!(*v > 0.0)) addError(check, depth_field::kScale, QStringLiteral("must be positive (metres per stored unit), got %1").arg(*v));
  }
  if (const auto v = parseNumber(form.near_m, depth_field::kNear, check)) {
    c.near_m = *v;
    if (!(*v > 0.0)) addError(check, depth_field::kNear, QStringLiteral("must be a positive distance in metres, got %1").arg(*v));
  }
  if (const auto v = parseNumber(form.far_m, depth_field::kFar, check)) {
    c.far_m = *v;
    if (!check.field_errors.contains(QString::fromLatin1(depth_field::kNear)) && !(c.far_m > c.near_m))
      addError(check, depth_field::kFar, QStringLiteral("must be greater than near_m (%1), got %2").arg(c.near_m).arg(*v));
  }
  if (c.encoding == core::DepthEncoding::Metric && c.polarity == core::DepthPolarity::NearIsBright)
    addError(check, depth_field::kPolarity, QStringLiteral("metric depth is near-dark by definition; choose relative encoding for near-bright maps"));

  if (form.custom_camera) {
    core::CameraIntrinsics cam;
    const std::pair<const char*, const QString*> fields[] = {
        {depth_field::kFx, &form.fx}, {depth_field::kFy, &form.fy}, {depth_field::kCx, &form.cx}, {depth_field::kCy, &form.cy}};
    double* targets[] = {&cam.fx, &cam.fy, &cam.cx, &cam.cy};
    for (int i = 0; i < 4; ++i)
      if (const auto v = parseNumber(*fields[i].second, fields[i].first, check)) *targets[i] = *v;
    for (auto [field, v] : {std::pair{depth_field::kFx, cam.fx}, {depth_field::kFy, cam.fy}})
      if (!check.field_errors.contains(QString::fromLatin1(field)) && !(v > 0.0))
        addError(check, field, QStringLiteral("focal length must be positive, got %1").arg(v));
    if (!base.camera || !(*base.camera == cam)) c.camera_size.reset();  // a typed camera is for the image as it is
    c.camera = cam;
  } else {
    c.camera.reset();
    c.camera_size.reset();
  }

  if (check.field_errors.isEmpty()) {
    // Anything core still rejects (a rule added there later) is reported, never applied.
    if (const std::string p = c.problem(); !p.empty()) check.message = QString::fromStdString(p);
    else check.config = c;
  }
  if (!check.field_errors.isEmpty()) check.message = QStringList(check.field_errors.values()).join(QLatin1Char('\n'));
  return check;
}

QString depthConfigJson(const core::DepthConfig& config) {
  QJsonObject j;
  if (config.encoding) j.insert(QStringLiteral("encoding"), QString::fromLatin1(core::toString(*config.encoding)));
  const core::DepthConfig defaults;
  if (config.scale != defaults.scale || config.encoding == core::DepthEncoding::Metric)
    j.insert(QStringLiteral("scale"), config.scale);
  if (config.near_m != defaults.near_m) j.insert(QStringLiteral("near_m"), config.near_m);
  if (config.far_m != defaults.far_m) j.insert(QStringLiteral("far_m"), config.far_m);
  j.insert(QStringLiteral("polarity"),
           config.polarity ? QString::fromLatin1(core::toString(*config.polarity)) : QStringLiteral("auto"));
  if (config.camera) {
    QJsonObject cam{{QStringLiteral("fx"), config.camera->fx}, {QStringLiteral("fy"), config.camera->fy},
                    {QStringLiteral("cx"), config.camera->cx}, {QStringLiteral("cy"), config.camera->cy}};
    j.insert(QStringLiteral("intrinsics"), cam);
    if (config.camera_size)
      j.insert(QStringLiteral("intrinsics_size"), QJsonArray{config.camera_size->width, config.camera_size->height});
  }
  return QString::fromUtf8(QJsonDocument(j).toJson(QJsonDocument::Indented));
}

std::filesystem::path saveDepthConfig(const core::DepthConfig& config, const std::filesystem::path& dataset_root) {
  const std::filesystem::path file = dataset_root / core::kDepthConfigFile;
  const QByteArray text = depthConfigJson(config).toUtf8();
  // Read back by core before writing: the studio never leaves a depth.json that the CLI rejects.
  const core::DepthConfig back = core::parseDepthConfig(std::string_view(text.constData(), static_cast<std::size_t>(text.size())), file);
  if (back.fingerprint() != config.fingerprint())
    throw core::FileError(file, "the settings do not survive a round trip through depth.json");
  core::writeFileAtomic(file, std::string_view(text.constData(), static_cast<std::size_t>(text.size())));
  return file;
}

}  // namespace rgbdsod::ui
