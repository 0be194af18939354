#include "model/spm_loader.h"

#include <dlfcn.h>
#include <link.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <vector>

#include "model/error.h"

#if defined(__SANITIZE_ADDRESS__)
#define KOSMOS_SPM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KOSMOS_SPM_ASAN 1
#endif
#endif

namespace kosmos {

struct SpmLibrary {
    std::string path;
    SpmOpenMode mode = SpmOpenMode::DeepBind;
    spm_abi::LoadFn load = nullptr;
    spm_abi::FreeFn free = nullptr;
    spm_abi::PieceCountFn pieceCount = nullptr;
    spm_abi::UnkIdFn unkId = nullptr;
    spm_abi::IdToPieceFn idToPiece = nullptr;
    spm_abi::PieceToIdFn pieceToId = nullptr;
    spm_abi::EncodeFn encode = nullptr;
    spm_abi::DecodeFn decode = nullptr;
};

namespace {

constexpr const char* kLibraryName = "libkosmos_spm.so";

std::string executableDir() {
    std::vector<char> buffer(4096);
    const ssize_t n = ::readlink("/proc/self/exe", buffer.data(), buffer.size() - 1);
    if (n <= 0) return {};
    std::string path(buffer.data(), static_cast<std::size_t>(n));
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

std::vector<std::string> candidatePaths() {
    std::vector<std::string> paths;
    if (const char* env = std::getenv("KOSMOS_SPM_LIBRARY"); env && *env) paths.emplace_back(env);
    const std::string exeDir = executableDir();
    if (!exeDir.empty()) {
        paths.push_back(exeDir + "/../lib/" + kLibraryName);
#ifdef KOSMOS_SPM_INSTALL_SUBDIR
        const std::string subdir = KOSMOS_SPM_INSTALL_SUBDIR;
        paths.push_back((subdir.rfind('/', 0) == 0 ? subdir : exeDir + "/../" + subdir) + "/" + kLibraryName);
#endif
    }
#ifdef KOSMOS_SPM_BUILD_PATH
    paths.emplace_back(KOSMOS_SPM_BUILD_PATH);
#endif
    return paths;
}

bool protobufAlreadyLoaded() {
    bool found = false;
    dl_iterate_phdr(
        [](dl_phdr_info* info, std::size_t, void* data) {
            if (info->dlpi_name && std::strstr(info->dlpi_name, "libprotobuf")) *static_cast<bool*>(data) = true;
            return 0;
        },
        &found);
    return found;
}

bool isAddressSanitized() {
#ifdef KOSMOS_SPM_ASAN
    return true;
#else
    return false;
#endif
}

const char* modeName(SpmOpenMode mode) {
    switch (mode) {
    case SpmOpenMode::DeepBind: return "deepbind";
    case SpmOpenMode::Local: return "local";
    case SpmOpenMode::Namespace: return "namespace";
    }
    return "?";
}

// KOSMOS_SPM_OPEN (or the build's KOSMOS_SPM_OPEN_DEFAULT) when set, else: RTLD_DEEPBIND, except under
// AddressSanitizer, which refuses it: there a plain RTLD_LOCAL open while no protobuf is loaded (tests and
// fuzzers without LibTorch), and a separate link-map namespace next to LibTorch's protobuf.
SpmOpenMode chooseMode() {
    const char* requested = std::getenv("KOSMOS_SPM_OPEN");
#ifdef KOSMOS_SPM_OPEN_DEFAULT
    if (!requested || !*requested) requested = KOSMOS_SPM_OPEN_DEFAULT;
#endif
    if (requested && *requested) {
        for (SpmOpenMode mode : {SpmOpenMode::DeepBind, SpmOpenMode::Local, SpmOpenMode::Namespace})
            if (std::strcmp(requested, modeName(mode)) == 0) return mode;
        throw Error(std::string("tokenizer: KOSMOS_SPM_OPEN='") + requested +
                    "' is not one of deepbind, local, namespace");
    }
    if (!isAddressSanitized()) return SpmOpenMode::DeepBind;
    return protobufAlreadyLoaded() ? SpmOpenMode::Namespace : SpmOpenMode::Local;
}

void* openWith(SpmOpenMode mode, const std::string& path) {
    switch (mode) {
    case SpmOpenMode::DeepBind: return ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
    case SpmOpenMode::Local: return ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    // A new namespace gets its own libc, libstdc++ and sentencepiece (with its protobuf): nothing is shared
    // with the program except the plain C calls of spm_abi, whose buffers the caller owns.
    case SpmOpenMode::Namespace: return ::dlmopen(LM_ID_NEWLM, path.c_str(), RTLD_NOW | RTLD_LOCAL);
    }
    return nullptr;
}

// Refuses the combinations that crash instead of failing: DEEPBIND under ASan (the runtime aborts), and a
// plain open next to another protobuf (sentencepiece's protobuf calls would bind to LibTorch's copy).
void checkMode(SpmOpenMode mode) {
    if (mode == SpmOpenMode::DeepBind && isAddressSanitized())
        throw Error("tokenizer: KOSMOS_SPM_OPEN=deepbind is refused in an AddressSanitizer build (the runtime does "
                    "not support RTLD_DEEPBIND); use namespace or local");
    if (mode == SpmOpenMode::Local && protobufAlreadyLoaded())
        throw Error("tokenizer: KOSMOS_SPM_OPEN=local cannot load sentencepiece next to an already loaded "
                    "libprotobuf (LibTorch's); use namespace or deepbind");
}

template <typename Fn>
bool resolve(void* dl, const char* name, Fn& out, std::string& reason) {
    out = reinterpret_cast<Fn>(::dlsym(dl, name));
    if (!out) reason = std::string("missing symbol ") + name;
    return out != nullptr;
}

// Opens the first candidate that loads and exports the whole interface; never closed (sentencepiece's
// protobuf must not be unloaded while a process runs).
SpmLibrary openLibrary() {
    const SpmOpenMode mode = chooseMode();
    checkMode(mode);
    std::string tried;
    for (const std::string& path : candidatePaths()) {
        std::string reason;
        if (::access(path.c_str(), R_OK) != 0) {
            reason = "not found";
        } else if (void* dl = openWith(mode, path); !dl) {
            const char* message = ::dlerror();
            reason = message ? message : "dlopen failed";
        } else {
            SpmLibrary lib;
            lib.path = path;
            lib.mode = mode;
            spm_abi::VersionFn version = nullptr;
            if (resolve(dl, spm_abi::kVersionSymbol, version, reason) && version() != spm_abi::kVersion) {
                reason = "interface version " + std::to_string(version()) + ", expected " +
                         std::to_string(spm_abi::kVersion);
            } else if (version && resolve(dl, spm_abi::kLoadSymbol, lib.load, reason) &&
                       resolve(dl, spm_abi::kFreeSymbol, lib.free, reason) &&
                       resolve(dl, spm_abi::kPieceCountSymbol, lib.pieceCount, reason) &&
                       resolve(dl, spm_abi::kUnkIdSymbol, lib.unkId, reason) &&
                       resolve(dl, spm_abi::kIdToPieceSymbol, lib.idToPiece, reason) &&
                       resolve(dl, spm_abi::kPieceToIdSymbol, lib.pieceToId, reason) &&
                       resolve(dl, spm_abi::kEncodeSymbol, lib.encode, reason) &&
                       resolve(dl, spm_abi::kDecodeSymbol, lib.decode, reason)) {
                return lib;
            }
        }
        tried += (tried.empty() ? "" : "; ") + path + " (" + reason + ")";
    }
    throw Error(std::string("tokenizer: cannot load ") + kLibraryName +
                " (set KOSMOS_SPM_LIBRARY to its path); tried: " + (tried.empty() ? "no paths" : tried));
}

const SpmLibrary& library() {
    // Never destroyed, so tokenizers in static objects can still free their models at exit.
    // A throw here is retried on the next call.
    static const SpmLibrary* lib = new SpmLibrary(openLibrary());
    return *lib;
}

} // namespace

std::string spmLibraryPath() { return library().path; }

SpmOpenMode spmLibraryOpenMode() { return library().mode; }

const char* spmOpenModeName(SpmOpenMode mode) { return modeName(mode); }

std::shared_ptr<const SentencePiece> SentencePiece::load(const std::string& modelFile) {
    const SpmLibrary& lib = library();
    char error[1024] = {};
    void* handle = lib.load(modelFile.c_str(), error, sizeof error);
    if (!handle) throw Error("tokenizer model '" + modelFile + "': " + (error[0] ? error : "cannot be loaded"));
    return std::shared_ptr<const SentencePiece>(new SentencePiece(&lib, handle, modelFile));
}

SentencePiece::SentencePiece(const SpmLibrary* library, void* handle, std::string file)
    : mLibrary(library), mHandle(handle), mFile(std::move(file)) {
    mPieceCount = mLibrary->pieceCount(mHandle);
    mUnkId = mLibrary->unkId(mHandle);
}

SentencePiece::~SentencePiece() { mLibrary->free(mHandle); }

std::vector<int> SentencePiece::encode(std::string_view text) const {
    // Normalisation can lengthen text, so the first guess may be short; the shim then reports the real count.
    std::vector<int> ids(text.size() + 16);
    char error[1024] = {};
    for (int attempt = 0; attempt < 2; ++attempt) {
        const std::int64_t n =
            mLibrary->encode(mHandle, text.data(), text.size(), ids.data(), ids.size(), error, sizeof error);
        if (n < 0) throw Error("tokenizer model '" + mFile + "': " + error);
        const bool fits = static_cast<std::uint64_t>(n) <= ids.size();
        ids.resize(static_cast<std::size_t>(n));
        if (fits) return ids;
    }
    throw Error("tokenizer model '" + mFile + "': sentencepiece gave inconsistent results");
}

std::string SentencePiece::decode(const std::vector<int>& ids) const {
    std::string text(ids.size() * 8 + 16, '\0');
    char error[1024] = {};
    for (int attempt = 0; attempt < 2; ++attempt) {
        const std::int64_t n =
            mLibrary->decode(mHandle, ids.data(), ids.size(), text.data(), text.size(), error, sizeof error);
        if (n < 0) throw Error("tokenizer model '" + mFile + "': " + error);
        const bool fits = static_cast<std::uint64_t>(n) <= text.size();
        text.resize(static_cast<std::size_t>(n));
        if (fits) return text;
    }
    throw Error("tokenizer model '" + mFile + "': sentencepiece gave inconsistent results");
}

std::string_view SentencePiece::idToPiece(int id) const {
    std::size_t length = 0;
    const char* piece = mLibrary->idToPiece(mHandle, id, &length);
    return piece ? std::string_view(piece, length) : std::string_view();
}

int SentencePiece::pieceToId(std::string_view piece) const {
    return mLibrary->pieceToId(mHandle, piece.data(), piece.size());
}

} // namespace kosmos
