#pragma once
// Every bound on outside input, in one place. Files a user points at (model folders, images, GRIT shards,
// prompts) may be truncated, hostile or huge; each reader checks its bound before it allocates or reads on,
// and fails with a kosmos::Error naming the file and the limit. The older names next to each reader
// (SafetensorsLimits, ProcessorOptions::maxTokens, kMaxPromptBytes, SourceLimits, ImageLoadLimits,
// kMaxJsonDepth, ...) take their defaults from here. tests/reliability/test_input_limits.cpp checks each one
// at the limit and one past it.
#include <cstddef>
#include <cstdint>

namespace kosmos::limits {

// ---- model folders --------------------------------------------------------------------------------------
// safetensors: the JSON header (8-byte length + text). 100 MiB as the reference implementation.
inline constexpr std::uint64_t kMaxSafetensorsHeaderBytes = 100ull << 20;
// Tensors listed in one header, and dimensions of one tensor.
inline constexpr std::size_t kMaxSafetensorsTensors = std::size_t(1) << 20;
inline constexpr std::size_t kMaxTensorRank = 8;
// Tensor sizes: element count and byte size must fit in int64 and the tensor must lie inside the file's data
// section, so no tensor is larger than its file; tensors are memory-mapped, never allocated from the header.
// model.safetensors.index.json of a sharded checkpoint.
inline constexpr std::uint64_t kMaxSafetensorsIndexBytes = 16ull << 20;
// config.json, generation_config.json.
inline constexpr std::size_t kMaxConfigBytes = std::size_t(16) << 20;
// sentencepiece.bpe.model (real ones are a few MB).
inline constexpr std::uint64_t kMaxSentencePieceModelBytes = 256ull << 20;

// ---- prompts --------------------------------------------------------------------------------------------
// Bytes of one prompt, checked before anything else is done with it.
inline constexpr std::size_t kMaxPromptBytes = std::size_t(1) << 20;
// Token ids of one processed prompt (<s>, the image slots and the text), as the real model's positions.
inline constexpr std::size_t kMaxPromptTokens = 2048;

// ---- images ---------------------------------------------------------------------------------------------
// Decoded pixels (width x height) of one image: checked against the file's own header before any pixel is
// decoded (decompression bombs), and again after decoding.
inline constexpr std::uint64_t kMaxImagePixels = 64ull << 20;
// Encoded bytes of one image file.
inline constexpr std::uint64_t kMaxImageFileBytes = 512ull << 20;
// Import probing (header only): sides larger than this are refused.
inline constexpr int kMaxImageSide = 1 << 20;
// JPEG marker segments walked before the scan.
inline constexpr int kMaxJpegSegments = 4096;

// ---- datasets (GRIT JSONL, img2dataset folders, webdataset shards) --------------------------------------
// One JSON record: a JSONL line, a .json file or member.
inline constexpr std::size_t kMaxRecordBytes = std::size_t(16) << 20;
// One image member of a tar shard (held in memory while its record is imported).
inline constexpr std::size_t kMaxShardImageBytes = std::size_t(256) << 20;
// A .txt caption beside a record.
inline constexpr std::size_t kMaxCaptionFileBytes = std::size_t(1) << 20;
// Nesting of one JSON record.
inline constexpr int kMaxJsonDepth = 64;
// Entries of noun_chunks / ref_exps in one record.
inline constexpr std::size_t kMaxEntitiesPerList = 10000;

} // namespace kosmos::limits
