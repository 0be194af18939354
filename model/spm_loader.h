#pragma once
// sentencepiece behind dlopen. Debian's libsentencepiece.so.0 carries and exports its own protobuf, which
// clashes with the one LibTorch loads; so sentencepiece lives only in libkosmos_spm.so (spm_shim.cpp), opened
// with RTLD_LOCAL | RTLD_DEEPBIND after LibTorch (or as SpmOpenMode below says), and only the plain C functions
// below cross that boundary.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/input_limits.h"

namespace kosmos {

// The C interface of libkosmos_spm.so. Every function catches all C++ exceptions; errors come back as text
// in the caller's buffer. Handles and piece pointers stay valid until kosmos_spm_free.
namespace spm_abi {
inline constexpr int kVersion = 1;

using VersionFn = int (*)();
// Model file -> handle, or nullptr with the reason in `error`.
using LoadFn = void* (*)(const char* path, char* error, std::size_t errorSize);
using FreeFn = void (*)(void* handle);
using PieceCountFn = int (*)(const void* handle);
using UnkIdFn = int (*)(const void* handle);
// Piece text (not NUL-terminated in general: use `length`), or nullptr for an id out of range.
using IdToPieceFn = const char* (*)(const void* handle, int id, std::size_t* length);
// -1 when the piece is not in the vocabulary.
using PieceToIdFn = int (*)(const void* handle, const char* piece, std::size_t length);
// Writes up to `capacity` ids and returns how many there are (call again with more room if that is larger),
// or -1 with the reason in `error`.
using EncodeFn = std::int64_t (*)(const void* handle, const char* text, std::size_t length, int* ids,
                                  std::size_t capacity, char* error, std::size_t errorSize);
// sentencepiece's own detokenisation of spm ids; same size protocol as EncodeFn, in bytes.
using DecodeFn = std::int64_t (*)(const void* handle, const int* ids, std::size_t count, char* out,
                                  std::size_t capacity, char* error, std::size_t errorSize);

inline constexpr const char* kVersionSymbol = "kosmos_spm_abi_version";
inline constexpr const char* kLoadSymbol = "kosmos_spm_load";
inline constexpr const char* kFreeSymbol = "kosmos_spm_free";
inline constexpr const char* kPieceCountSymbol = "kosmos_spm_piece_count";
inline constexpr const char* kUnkIdSymbol = "kosmos_spm_unk_id";
inline constexpr const char* kIdToPieceSymbol = "kosmos_spm_id_to_piece";
inline constexpr const char* kPieceToIdSymbol = "kosmos_spm_piece_to_id";
inline constexpr const char* kEncodeSymbol = "kosmos_spm_encode";
inline constexpr const char* kDecodeSymbol = "kosmos_spm_decode";

// Model files larger than this are refused (real ones are a few MB).
inline constexpr std::uint64_t kMaxModelBytes = limits::kMaxSentencePieceModelBytes;
} // namespace spm_abi

struct SpmLibrary;   // the opened libkosmos_spm.so (spm_loader.cpp)

// One loaded sentencepiece model. Ids here are sentencepiece's own (the tokenizer adds the fairseq offset).
class SentencePiece {
public:
    // Throws kosmos::Error naming the file (or the library paths tried) and the reason.
    static std::shared_ptr<const SentencePiece> load(const std::string& modelFile);
    ~SentencePiece();
    SentencePiece(const SentencePiece&) = delete;
    SentencePiece& operator=(const SentencePiece&) = delete;

    std::vector<int> encode(std::string_view text) const;   // throws kosmos::Error
    std::string decode(const std::vector<int>& ids) const;  // sentencepiece's detokeniser; throws kosmos::Error
    int pieceCount() const { return mPieceCount; }
    int unkId() const { return mUnkId; }
    std::string_view idToPiece(int id) const;                // empty for ids out of range
    int pieceToId(std::string_view piece) const;             // -1 when unknown

private:
    SentencePiece(const SpmLibrary* library, void* handle, std::string file);

    const SpmLibrary* mLibrary;
    void* mHandle;
    std::string mFile;
    int mPieceCount = 0;
    int mUnkId = 0;
};

// How libkosmos_spm.so is opened, chosen once per process, on first use:
//   DeepBind   dlopen(RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND): the default; safe next to LibTorch.
//   Local      dlopen(RTLD_NOW | RTLD_LOCAL): for processes without another protobuf (fuzzers, torch-free
//              tests); refused when a libprotobuf is already loaded.
//   Namespace  dlmopen(LM_ID_NEWLM): sentencepiece in a link-map namespace of its own, safe next to LibTorch;
//              needs an uninstrumented libkosmos_spm.so (sanitizer builds make it so, model/CMakeLists.txt).
// AddressSanitizer refuses RTLD_DEEPBIND, so ASan builds default to Local, or Namespace once LibTorch's
// protobuf is loaded. The environment variable KOSMOS_SPM_OPEN=deepbind|local|namespace (or the build
// definition KOSMOS_SPM_OPEN_DEFAULT) overrides the choice; a choice that would crash is refused with an error.
enum class SpmOpenMode { DeepBind, Local, Namespace };

// Where libkosmos_spm.so was loaded from; loads it on first use. Throws kosmos::Error listing the paths tried.
std::string spmLibraryPath();
// How it was opened (loads it on first use, as spmLibraryPath).
SpmOpenMode spmLibraryOpenMode();
const char* spmOpenModeName(SpmOpenMode mode);   // "deepbind", "local", "namespace"

} // namespace kosmos
