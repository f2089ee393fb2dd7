#include "rgbdsod/models/checkpoint_format.h"

#include <map>
#include <vector>

#include <fmt/format.h>

namespace rgbdsod::models {
namespace {

using ShapeMap = std::map<std::string, std::vector<std::int64_t>>;

// Module::save writes a module's own parameters and buffers as tensors of its archive and each
// submodule as a nested archive under its name: walk it back into "a.b.weight" -> shape.
void collectArchiveShapes(torch::serialize::InputArchive& archive, const std::string& prefix, ShapeMap& out) {
  for (const std::string& key : archive.keys()) {
    torch::serialize::InputArchive child;
    if (archive.try_read(key, child)) {
      collectArchiveShapes(child, prefix + key + ".", out);
      continue;
    }
    torch::Tensor tensor;
    if (archive.try_read(key, tensor, /*is_buffer=*/false) || archive.try_read(key, tensor, /*is_buffer=*/true)) {
      if (tensor.defined()) out[prefix + key] = tensor.sizes().vec();
    }
  }
}

ShapeMap modelShapes(const torch::nn::Module& model) {
  ShapeMap shapes;
  for (const auto& p : model.named_parameters(/*recurse=*/true)) shapes[p.key()] = p.value().sizes().vec();
  for (const auto& b : model.named_buffers(/*recurse=*/true))
    if (b.value().defined()) shapes[b.key()] = b.value().sizes().vec();
  return shapes;
}

std::string listFew(const std::vector<std::string>& items) {
  constexpr std::size_t kShown = 6;
  std::string s;
  for (std::size_t i = 0; i < items.size() && i < kShown; ++i) s += (i ? ", " : "") + items[i];
  if (items.size() > kShown) s += fmt::format(" and {} more", items.size() - kShown);
  return s;
}

}  // namespace

void writeModelFormat(torch::serialize::OutputArchive& checkpoint) {
  checkpoint.write("model_format", c10::IValue(kModelFormatVersion));
}

std::int64_t readModelFormat(torch::serialize::InputArchive& checkpoint) {
  c10::IValue v;
  if (!checkpoint.try_read("model_format", v) || !v.isInt()) return 1;
  return v.toInt();
}

std::string describeArchitectureMismatch(torch::serialize::InputArchive& model_archive,
                                         const torch::nn::Module& model, std::int64_t file_format) {
  ShapeMap in_file;
  collectArchiveShapes(model_archive, "", in_file);
  const ShapeMap in_model = modelShapes(model);
  std::vector<std::string> missing, reshaped, extra;
  for (const auto& [name, shape] : in_model) {
    const auto it = in_file.find(name);
    if (it == in_file.end())
      missing.push_back(name);
    else if (it->second != shape)
      reshaped.push_back(fmt::format("{} [{}] in the file, [{}] in the model", name, fmt::join(it->second, "x"),
                                     fmt::join(shape, "x")));
  }
  if (missing.empty() && reshaped.empty()) return {};
  for (const auto& entry : in_file)
    if (!in_model.count(entry.first)) extra.push_back(entry.first);
  std::string message = fmt::format("the checkpoint does not fit this network (model format {} in the file, {} in this build",
                                    file_format, kModelFormatVersion);
  message += file_format < kModelFormatVersion ? "; the architecture changed since: retrain or use an older rgbdsod)"
                                               : "; different model, width or options?)";
  if (!missing.empty()) message += "; missing: " + listFew(missing);
  if (!reshaped.empty()) message += "; other shape: " + listFew(reshaped);
  if (!extra.empty()) message += "; only in the file: " + listFew(extra);
  return message;
}

}  // namespace rgbdsod::models
