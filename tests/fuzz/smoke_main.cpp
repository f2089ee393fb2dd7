// A libFuzzer-free driver for the fuzz targets of this folder, so that the normal (GCC) build runs
// them in the test suite: every input file given (folders are walked) is passed to the target's
// LLVMFuzzerTestOneInput as is, then a fixed number of deterministic mutations of each (byte
// flips, inserts, deletions, truncations, copies within and splices across inputs). No coverage
// feedback: this is a smoke test that keeps the targets building and the kept findings refused,
// not a replacement for scripts/fuzz.sh. A finding aborts, crashes or throws out of the target,
// which fails the test; the last input is written first to the file named by --last, so a
// failure can be replayed with the libFuzzer build.
// Usage: TARGET_smoke [--mutations N] [--seed S] [--max-len BYTES] [--last FILE] PATH...
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
// Optional in a target, as with libFuzzer.
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace fs = std::filesystem;

namespace {

using Bytes = std::vector<std::uint8_t>;

struct Options {
  long mutations = 2000;  // in all, not per input
  std::uint64_t seed = 1;
  std::size_t max_len = 65536;
  fs::path last;
  std::vector<fs::path> paths;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr, "fuzz smoke: %s\nusage: [--mutations N] [--seed S] [--max-len BYTES] [--last FILE] PATH...\n",
               why);
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage("a flag without its value");
      return argv[++i];
    };
    if (a == "--mutations") o.mutations = std::stol(value());
    else if (a == "--seed") o.seed = std::stoull(value());
    else if (a == "--max-len") o.max_len = std::stoull(value());
    else if (a == "--last") o.last = value();
    else o.paths.emplace_back(a);
  }
  if (o.paths.empty()) usage("no input given");
  return o;
}

Bytes readFile(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "fuzz smoke: cannot read %s\n", file.c_str());
    std::exit(2);
  }
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Every regular file under the paths, in a fixed order (the mutations depend on it).
std::vector<fs::path> inputFiles(const std::vector<fs::path>& paths) {
  std::vector<fs::path> files;
  for (const fs::path& p : paths) {
    if (fs::is_directory(p)) {
      for (const auto& e : fs::recursive_directory_iterator(p))
        if (e.is_regular_file()) files.push_back(e.path());
    } else if (fs::is_regular_file(p)) {
      files.push_back(p);
    } else {
      std::fprintf(stderr, "fuzz smoke: %s is neither a file nor a folder\n", p.c_str());
      std::exit(2);
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// One of libFuzzer's simpler mutations, chosen at random; the result is at most max_len bytes.
Bytes mutate(const Bytes& in, const std::vector<Bytes>& all, std::mt19937_64& rng, std::size_t max_len) {
  Bytes out = in;
  const auto pick = [&](std::size_t n) { return n == 0 ? std::size_t{0} : static_cast<std::size_t>(rng() % n); };
  const int rounds = 1 + static_cast<int>(rng() % 4);  // stacked, as libFuzzer does
  for (int r = 0; r < rounds; ++r) {
    switch (rng() % 8) {
      case 0:  // flip one bit
        if (!out.empty()) out[pick(out.size())] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
        break;
      case 1: {  // an interesting byte value
        static constexpr std::uint8_t kValues[] = {0, 1, 0x7F, 0x80, 0xFF, '"', '{', '[', '\n', '%', '0', '9'};
        if (!out.empty()) out[pick(out.size())] = kValues[pick(std::size(kValues))];
        break;
      }
      case 2:  // insert a random byte
        out.insert(out.begin() + static_cast<std::ptrdiff_t>(pick(out.size() + 1)), static_cast<std::uint8_t>(rng()));
        break;
      case 3: {  // delete a run of bytes
        if (out.empty()) break;
        const std::size_t at = pick(out.size());
        const std::size_t n = 1 + pick(std::min<std::size_t>(16, out.size() - at));
        out.erase(out.begin() + static_cast<std::ptrdiff_t>(at), out.begin() + static_cast<std::ptrdiff_t>(at + n));
        break;
      }
      case 4:  // truncate
        out.resize(pick(out.size() + 1));
        break;
      case 5: {  // copy a run of bytes elsewhere in the input
        if (out.size() < 2) break;
        const std::size_t from = pick(out.size());
        const std::size_t n = 1 + pick(std::min<std::size_t>(64, out.size() - from));
        const Bytes run(out.begin() + static_cast<std::ptrdiff_t>(from), out.begin() + static_cast<std::ptrdiff_t>(from + n));
        out.insert(out.begin() + static_cast<std::ptrdiff_t>(pick(out.size() + 1)), run.begin(), run.end());
        break;
      }
      case 6: {  // splice: the head of this input, the tail of another
        const Bytes& other = all[pick(all.size())];
        const std::size_t cut = pick(out.size() + 1);
        const std::size_t from = pick(other.size() + 1);
        out.resize(cut);
        out.insert(out.end(), other.begin() + static_cast<std::ptrdiff_t>(from), other.end());
        break;
      }
      default: {  // overwrite a big-endian 32-bit field (sizes, lengths, dimensions)
        if (out.size() < 4) break;
        const std::size_t at = pick(out.size() - 3);
        static constexpr std::uint32_t kWords[] = {0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 65536, 100000};
        const std::uint32_t w = kWords[pick(std::size(kWords))];
        for (int b = 0; b < 4; ++b) out[at + static_cast<std::size_t>(b)] = static_cast<std::uint8_t>(w >> (24 - 8 * b));
        break;
      }
    }
  }
  if (out.size() > max_len) out.resize(max_len);
  return out;
}

void run(const Bytes& input, const fs::path& last) {
  if (!last.empty()) {
    // Written before the call: after a crash it holds the input that caused it.
    std::ofstream out(last, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(input.data()), static_cast<std::streamsize>(input.size()));
  }
  // A copy of exactly `size` bytes, so that ASan sees a read past the end of the input.
  const std::unique_ptr<std::uint8_t[]> copy(new std::uint8_t[std::max<std::size_t>(input.size(), 1)]);
  std::copy(input.begin(), input.end(), copy.get());
  LLVMFuzzerTestOneInput(copy.get(), input.size());
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
  const Options o = parse(argc, argv);
  const std::vector<fs::path> files = inputFiles(o.paths);
  if (files.empty()) usage("the paths hold no file");
  std::vector<Bytes> inputs;
  for (const fs::path& f : files) inputs.push_back(readFile(f));

  for (const Bytes& input : inputs) run(input, o.last);
  std::mt19937_64 rng(o.seed);
  // --mutations in all, taken from the inputs in turn.
  for (long m = 0; m < o.mutations; ++m)
    run(mutate(inputs[static_cast<std::size_t>(m) % inputs.size()], inputs, rng, o.max_len), o.last);
  if (!o.last.empty()) fs::remove(o.last);
  std::printf("fuzz smoke: %zu inputs and %ld mutations of them ran without a finding\n", inputs.size(), o.mutations);
  return 0;
}
