#pragma once
// The model format of checkpoints: a version number written with every checkpoint, and the check
// that a checkpoint's tensors fit the model it is loaded into. LibTorch's Module::load replaces a
// parameter by whatever tensor the file holds (Tensor::set_), so a checkpoint of an earlier
// architecture would load silently into a network of different shapes; this check refuses it and
// names the keys that differ.
#include <cstdint>
#include <filesystem>
#include <string>

#include <torch/nn/module.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

namespace rgbdsod::models {

// 1: checkpoints before the papers' layer tables and equations were followed (no version entry).
// 2: issue 13 (CAS Eq. 1, RecNet F2/B2 = 512 and Eq. 5, LSF Table 1 layers, contrastive taus).
inline constexpr std::int64_t kModelFormatVersion = 2;

// Writes "model_format" into the top-level archive of a checkpoint.
void writeModelFormat(torch::serialize::OutputArchive& checkpoint);
// The checkpoint's model format; 1 when it has none.
std::int64_t readModelFormat(torch::serialize::InputArchive& checkpoint);

// Compares the tensors of `model_archive` (as written by Module::save) with the parameters and
// buffers of `model`: returns "" when every model tensor is present with the same shape, else a
// message naming the missing keys, the keys whose shape differs (file vs model) and the keys only in
// the file (at most a few of each, then a count), and the format versions involved.
std::string describeArchitectureMismatch(torch::serialize::InputArchive& model_archive,
                                         const torch::nn::Module& model, std::int64_t file_format);

}  // namespace rgbdsod::models
