#pragma once
// Reading and writing the safetensors format (https://github.com/huggingface/safetensors):
// 8-byte little-endian header length N, N bytes of JSON header, then the data section.
// Reading memory-maps the file and validates the whole header before any data is touched.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "model/input_limits.h"

namespace kosmos {

enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, Bool };

std::size_t dtypeSize(DType dtype);
const char* dtypeName(DType dtype);              // "F32", "BF16", ... as written in the header
bool parseDType(const std::string& name, DType& out);

struct TensorInfo {
    std::string name;
    DType dtype = DType::F32;
    std::vector<std::int64_t> shape;
    std::uint64_t begin = 0;                     // offsets inside the data section
    std::uint64_t end = 0;
    std::int64_t numel() const;
    std::uint64_t nbytes() const { return end - begin; }
};

// Limits applied while reading untrusted files (values in model/input_limits.h).
struct SafetensorsLimits {
    std::uint64_t maxHeaderBytes = limits::kMaxSafetensorsHeaderBytes;   // 100 MiB, as the reference implementation
    std::size_t maxTensors = limits::kMaxSafetensorsTensors;
    std::size_t maxRank = limits::kMaxTensorRank;
    std::uint64_t maxIndexBytes = limits::kMaxSafetensorsIndexBytes;     // model.safetensors.index.json
};

// One validated, memory-mapped .safetensors file. Cheap to copy (shares the mapping).
class SafetensorsFile {
public:
    // Throws kosmos::Error "FILE: reason" for unreadable, truncated or malformed files.
    static SafetensorsFile open(const std::string& path, const SafetensorsLimits& limits = {});

    const std::string& path() const;
    const std::vector<TensorInfo>& tensors() const;          // in header order
    const TensorInfo* find(const std::string& name) const;   // nullptr when absent
    const std::map<std::string, std::string>& metadata() const;
    // Points into the mapping (nullptr for an info outside this file). The mapping is private copy-on-write:
    // writing through it changes this process's pages only, never the file (on systems with strict overcommit
    // accounting a big file may get a read-only mapping instead).
    const std::uint8_t* data(const TensorInfo& info) const;
    // Keeps the mapping alive (for zero-copy tensors that outlive this object).
    std::shared_ptr<const void> keepAlive() const;

private:
    struct Impl;
    std::shared_ptr<Impl> mImpl;
};

// A checkpoint: a single model.safetensors or shards listed by model.safetensors.index.json.
class SafetensorsCheckpoint {
public:
    // dir holds model.safetensors or model.safetensors.index.json (+ shards); a file path opens that file.
    // When both are present the single file wins, as in transformers. Shards must be plain file names in dir,
    // and every tensor must sit in exactly the shard the index's weight_map assigns it to.
    static SafetensorsCheckpoint open(const std::string& dirOrFile, const SafetensorsLimits& limits = {});

    std::vector<std::string> names() const;                                  // every tensor, sorted
    // Returns the file holding `name` and its info, or {nullptr, nullptr}.
    std::pair<const SafetensorsFile*, const TensorInfo*> find(const std::string& name) const;
    const std::vector<SafetensorsFile>& files() const { return mFiles; }

private:
    std::vector<SafetensorsFile> mFiles;
    std::map<std::string, std::size_t> mIndex;                              // name -> file
};

struct TensorView {
    std::string name;
    DType dtype = DType::F32;
    std::vector<std::int64_t> shape;
    const void* data = nullptr;                  // nbytes = numel * dtypeSize
};

// Writes atomically (PATH.tmp-<pid>-<n> in the same directory, fsync, rename, fsync of the directory).
// Tensors are laid out in byte order of their names (the reference writer sorts by dtype alignment, then name;
// readers accept any order). The header is padded with spaces to a multiple of 8 bytes, so the data section is
// 8-byte aligned. "__metadata__" is written only when metadata is not empty.
// Throws kosmos::Error naming the path and reason (e.g. disk full) and leaves any old file untouched.
void writeSafetensors(const std::string& path, const std::vector<TensorView>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

} // namespace kosmos
