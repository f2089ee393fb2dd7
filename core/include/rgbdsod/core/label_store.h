#pragma once
// Corrected labels of one dataset folder, never touching the originals: corrections are PNG masks
// in a folder of their own (default <dataset>/GT_corrected/, one file per sample, named
// <sample>.png), each written atomically, and a sidecar <corrections>/labels.json records per
// sample its review status, the number of edits and their kinds, and when it was last saved.
// Reopening a store continues where the last sitting stopped. Widget-free, torch-free: the studio's
// Labels workspace and `rgbdsod labels apply` both write through it.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "rgbdsod/core/dataset.h"
#include "rgbdsod/core/errors.h"

namespace rgbdsod::core {

enum class LabelStatus { Unreviewed, Reviewed, Corrected };
const char* toString(LabelStatus s);            // "unreviewed", "reviewed", "corrected"
std::optional<LabelStatus> labelStatusFromString(const std::string& s);

struct LabelRecord {
  LabelStatus status = LabelStatus::Unreviewed;
  int edits = 0;                           // undo steps saved so far (over all sittings)
  std::map<std::string, int> edit_kinds;   // "brush": 12, "flip": 2, "suggestion": 3, ...
  std::string saved;                       // ISO 8601 UTC time of the last save, "" = never
};

// A sidecar that cannot be read (bad JSON, another tool's file, a newer version, wrong types);
// what() names the file and the problem. The constructor does not throw it (see sidecarProblem());
// writes do until rebuildSidecar() has derived the records from the corrections folder.
class SidecarError : public FileError {
 public:
  using FileError::FileError;
};

class LabelStore {
 public:
  static constexpr const char* kDefaultFolder = "GT_corrected";
  static constexpr const char* kSidecar = "labels.json";
  static constexpr const char* kFormat = "rgbdsod-labels";
  static constexpr int kVersion = 1;

  // Opens (creating on the first write, not before) the corrections of `dataset` in `corrections`
  // (empty: <dataset.root>/GT_corrected). Throws FileError when the dataset has no GT folder or
  // `corrections` is (or lies inside) one of its RGB, depth or GT folders. A labels.json that
  // exists but cannot be used (bad JSON, another tool's file, a newer version, wrong types) does
  // NOT throw: sidecarProblem() then says why, reading works, and every write throws SidecarError
  // until rebuildSidecar() has been called (so the unreadable file is never silently overwritten).
  // Records of samples not in the dataset are kept (it may be a partial copy); a record that
  // claims a correction (status corrected, or edits) whose mask is missing is dropped with a
  // warning; a mask without a record (a writer killed between mask and sidecar) becomes Corrected.
  explicit LabelStore(Dataset dataset, std::filesystem::path corrections = {});

  const Dataset& dataset() const { return dataset_; }
  const std::filesystem::path& folder() const { return folder_; }  // absolute, normalised
  std::filesystem::path sidecarPath() const { return folder_ / kSidecar; }
  std::filesystem::path correctedPath(const std::string& sample) const;  // <folder>/<sample>.png

  // Empty when labels.json was read (or is absent); else the SidecarError message, which names
  // the file and the problem, e.g. "<folder>/labels.json: not a rgbdsod labels sidecar (format 'foo')".
  const std::string& sidecarProblem() const { return sidecar_problem_; }

  // True when the corrections folder can be written (exists and is writable, or can be created).
  // Never throws; probes with a temporary file that is removed again (works where permission bits
  // do not tell, e.g. a read-only mount).
  bool writable() const;

  // The mask to edit: the corrected one when it exists, else the original GT. Throws FileError
  // naming the file (unknown sample, missing or unreadable mask).
  cv::Mat load(const std::string& sample) const;
  cv::Mat loadOriginal(const std::string& sample) const;
  bool hasCorrection(const std::string& sample) const;

  // Writes the corrected mask (atomically) and the sidecar: status Corrected, edits += the sum of
  // `edit_kinds`, kinds added, saved = now. The mask must be CV_8UC1 with the original's size
  // (Error naming the sample and both sizes). Throws FileError for an unknown sample, and FileError
  // naming the folder ("is not writable ...; choose another corrections folder") when it cannot be
  // created or written (read-only dataset).
  void save(const std::string& sample, const cv::Mat& mask, const std::map<std::string, int>& edit_kinds);
  // Sets the review status and writes the sidecar: Reviewed (the original, or an imported mask,
  // is right), Unreviewed (back to the queue), Corrected (only where a correction exists, Error
  // otherwise). A correction is kept whatever the status; revert() drops it.
  void setStatus(const std::string& sample, LabelStatus status);
  // Drops the correction (the original is used again) and the record; writes the sidecar.
  // Nothing happens (and nothing is created) when the sample has neither.
  void revert(const std::string& sample);

  LabelRecord record(const std::string& sample) const;  // Unreviewed default when none
  const std::map<std::string, LabelRecord>& records() const { return records_; }

  // Rebuilds labels.json from the <name>.png masks in the corrections folder (each becomes
  // Corrected, its edit count unknown = 0; hidden files such as a killed writer's temporaries are
  // ignored). An existing labels.json (unreadable or not) is kept as labels.json.bad (or
  // labels.json.bad2, ... when that exists). Clears sidecarProblem().
  void rebuildSidecar();

  // Image files of another folder, paired to the samples by name as GT is (pairingName(file, Gt):
  // "0086_GT.png" -> 0086), copied in as corrections (re-encoded as <sample>.png, 0/255 as readMask
  // gives them) with status Unreviewed, so that each is looked at: edits += 1, kind "import" += 1.
  // An existing correction of that sample is replaced. Every mask is checked first: one of the
  // wrong size (FileError naming the file and both sizes), one that cannot be read, or two files
  // for one sample refuse the whole import before anything is written. Files matching no sample
  // are skipped with a warning. Returns how many were imported.
  std::size_t importMasks(const std::filesystem::path& folder);

  // A new dataset folder `out` (must not exist, FileError otherwise) with RGB/, depth/ and GT/ under
  // the source's file names: RGB and depth symlinked to their absolute paths (copied when `copy`
  // or when links cannot be made), GT = the correction <sample>.png where there is one, else the
  // original file, copied. Missing partners stay missing. Written into the temporary sibling
  // <out>.tmp-<pid> (writeFolderAtomic) and renamed, so a failure leaves nothing behind.
  void exportDataset(const std::filesystem::path& out, bool copy = false) const;

 private:
  void readSidecar();         // throws SidecarError
  void writeSidecar() const;  // throws FileError (folder not writable)
  void requireSidecar() const; // throws SidecarError while sidecarProblem() is set
  void ensureFolder() const;  // creates the folder; FileError naming it when that fails
  void addOrphanMasks();      // records for masks that have none
  std::vector<std::string> maskNames() const;  // stems of the <name>.png files in the folder
  const SampleFiles& sampleFiles(const std::string& sample) const;  // FileError when unknown

  Dataset dataset_;
  std::filesystem::path folder_;
  std::map<std::string, LabelRecord> records_;
  std::string sidecar_problem_;
};

// ISO 8601 UTC ("2026-12-04T01:02:03Z") of a time point; used for LabelRecord::saved.
std::string isoUtc(std::chrono::system_clock::time_point t);

// The records of a labels.json text (what LabelStore reads; also the fuzz target's entry). Checks
// the size and nesting limits (input_limits.h) before parsing, then the format, version and every
// record's types. Throws SidecarError naming `file` and the problem; nothing else.
std::map<std::string, LabelRecord> parseLabelSidecar(std::string_view text, const std::filesystem::path& file);

}  // namespace rgbdsod::core
