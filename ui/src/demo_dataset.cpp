#include "rgbdsod/ui/demo_dataset.h"

#include <exception>
#include <filesystem>
#include <memory>

#include <QDir>
#include <QStandardPaths>
#include <QtConcurrent/QtConcurrentRun>

#include "rgbdsod/core/dataset.h"
#include "rgbdsod/core/errors.h"

namespace rgbdsod::ui {

namespace fs = std::filesystem;

namespace {

bool holdsDatasets(const fs::path& folder) {
  std::error_code ec;
  return fs::is_directory(folder, ec) && !core::findDatasets(folder).empty();
}

}  // namespace

core::SynthConfig demoSynthConfig() { return core::SynthConfig{}; }

QString demoDatasetFolder(const core::SynthConfig& config) {
  const QString cache = QStandardPaths::writableLocation(QStandardPaths::GenericCacheLocation);
  return QDir(cache).filePath(QStringLiteral("rgbdsod/demo-v1-seed%1").arg(config.seed));
}

DemoDatasetJob::DemoDatasetJob(QObject* parent) : QObject(parent) { pool_.setMaxThreadCount(1); }

DemoDatasetJob::~DemoDatasetJob() {
  cancel_.cancel();
  pool_.waitForDone();
}

void DemoDatasetJob::start(const QString& folder, const core::SynthConfig& config) {
  if (running_) return;
  running_ = true;
  cancel_ = core::CancelToken();
  const core::CancelToken cancel = cancel_;
  (void)QtConcurrent::run(&pool_, [this, folder, config, cancel] {
    const fs::path out(folder.toStdString());
    QString error;
    try {
      // A complete dataset is reused; writeSynthDataset renames a finished temp folder into
      // place, so an existing folder is never half-written.
      if (!holdsDatasets(out)) {
        fs::create_directories(out.parent_path());
        core::JobContext job;
        job.cancel = cancel;
        auto last_percent = std::make_shared<int>(-1);
        job.progress = [this, last_percent](const core::ProgressEvent& e) {
          const int total = static_cast<int>(e.total), done = static_cast<int>(e.done);
          const int percent = total > 0 ? done * 100 / total : 0;
          if (percent == *last_percent) return;
          *last_percent = percent;
          QMetaObject::invokeMethod(
              this, [this, done, total] { emit progress(done, total); }, Qt::QueuedConnection);
        };
        try {
          core::writeSynthDataset(out, config, job);
        } catch (const core::FileError&) {
          // Another studio may have finished the same demo first; use it if it is complete.
          if (!holdsDatasets(out)) throw;
        }
      }
    } catch (const core::Cancelled&) {
      error = tr("demo generation stopped");
    } catch (const std::exception& e) {
      error = QString::fromStdString(e.what());
    }
    QMetaObject::invokeMethod(
        this,
        [this, folder, error] {
          running_ = false;
          if (error.isEmpty()) {
            emit finished(folder);
          } else {
            emit failed(error);
          }
        },
        Qt::QueuedConnection);
  });
}

void DemoDatasetJob::requestStop() { cancel_.cancel(); }

}  // namespace rgbdsod::ui
