// libkosmos_spm.so: the only place that links sentencepiece (see spm_loader.h for why). Plain C functions,
// every exception caught here, nothing of sentencepiece or protobuf visible outside.
#include <sentencepiece_processor.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <type_traits>
#include <unordered_set>
#include <vector>

#include "spm_loader.h"

#define KOSMOS_SPM_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

namespace abi = kosmos::spm_abi;

struct Handle {
    sentencepiece::SentencePieceProcessor processor;
};

void setError(char* error, std::size_t errorSize, const std::string& message) {
    if (!error || errorSize == 0) return;
    const std::size_t n = std::min(message.size(), errorSize - 1);
    std::memcpy(error, message.data(), n);
    error[n] = '\0';
}

const Handle* asHandle(const void* handle) { return static_cast<const Handle*>(handle); }

// Reads the whole model file, refusing anything that is not a regular file of bounded size.
bool readModelFile(const char* path, std::string& bytes, std::string& reason) {
    struct stat info {};
    if (::stat(path, &info) != 0) {
        reason = std::strerror(errno);
        return false;
    }
    if (!S_ISREG(info.st_mode)) {
        reason = "not a regular file";
        return false;
    }
    if (static_cast<std::uint64_t>(info.st_size) > abi::kMaxModelBytes) {
        reason = "file is " + std::to_string(info.st_size) + " bytes, more than the " +
                 std::to_string(abi::kMaxModelBytes) + " allowed for a sentencepiece model";
        return false;
    }
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path, "rb"), &std::fclose);
    if (!file) {
        reason = std::strerror(errno);
        return false;
    }
    bytes.resize(static_cast<std::size_t>(info.st_size));
    const std::size_t got = bytes.empty() ? 0 : std::fread(bytes.data(), 1, bytes.size(), file.get());
    if (got != bytes.size() || std::fgetc(file.get()) != EOF) {
        reason = "file changed size while being read";
        return false;
    }
    return true;
}

// --- protobuf wire format, just enough to find NormalizerSpec.precompiled_charsmap ---------------------

struct Wire {
    const unsigned char* p;
    const unsigned char* end;

    bool varint(std::uint64_t& value) {
        value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (p == end) return false;
            const unsigned char byte = *p++;
            value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
            if (!(byte & 0x80)) return true;
        }
        return false;
    }
    // Reads one field header and, for length-delimited fields, its payload; skips other payloads.
    bool next(std::uint64_t& field, int& wireType, std::string_view& payload) {
        std::uint64_t key = 0;
        if (!varint(key)) return false;
        field = key >> 3;
        wireType = static_cast<int>(key & 7);
        std::uint64_t skip = 0;
        switch (wireType) {
        case 0: return varint(skip);
        case 1: skip = 8; break;
        case 5: skip = 4; break;
        case 2:
            if (!varint(skip) || skip > static_cast<std::uint64_t>(end - p)) return false;
            payload = std::string_view(reinterpret_cast<const char*>(p), static_cast<std::size_t>(skip));
            p += skip;
            return true;
        default: return false;   // groups: never written by sentencepiece
        }
        if (skip > static_cast<std::uint64_t>(end - p)) return false;
        p += skip;
        return true;
    }
};

Wire wireOf(std::string_view bytes) {
    const auto* begin = reinterpret_cast<const unsigned char*>(bytes.data());
    return Wire{begin, begin + bytes.size()};
}

// ModelProto field `topField` (3 = normalizer_spec, 5 = denormalizer_spec) -> its precompiled_charsmap
// (field 2), with protobuf's merge rule: the last occurrence wins.
bool findCharsMap(std::string_view model, std::uint64_t topField, std::string_view& charsMap, std::string& reason) {
    Wire top = wireOf(model);
    charsMap = {};
    while (top.p != top.end) {
        std::uint64_t field = 0;
        int wireType = 0;
        std::string_view payload;
        if (!top.next(field, wireType, payload)) {
            reason = "not a sentencepiece model (malformed protobuf data)";
            return false;
        }
        if (field != topField || wireType != 2) continue;
        Wire spec = wireOf(payload);
        while (spec.p != spec.end) {
            std::string_view inner;
            if (!spec.next(field, wireType, inner)) {
                reason = "not a sentencepiece model (malformed normalizer spec)";
                return false;
            }
            if (field == 2 && wireType == 2) charsMap = inner;
        }
    }
    return true;
}

// sentencepiece walks the normaliser's double-array trie (darts-clone) without bounds checks and reads the
// replacement strings up to a NUL; check every reachable transition of a file's trie before trusting it.
bool validateCharsMap(std::string_view blob, std::string& reason) {
    constexpr std::size_t kMaxTrieBytes = 8u << 20;   // real models: about 240 KB
    std::uint32_t trieBytes = 0;
    if (blob.size() <= sizeof trieBytes) {
        reason = "normalization rules are truncated";
        return false;
    }
    std::memcpy(&trieBytes, blob.data(), sizeof trieBytes);
    if (trieBytes > blob.size() - sizeof trieBytes || trieBytes < 4 || trieBytes > kMaxTrieBytes) {
        reason = "normalization rules have a trie of " + std::to_string(trieBytes) + " bytes in a blob of " +
                 std::to_string(blob.size());
        return false;
    }
    const char* units = blob.data() + sizeof trieBytes;
    const std::uint32_t count = trieBytes / 4;
    const std::string_view normalized = blob.substr(sizeof trieBytes + trieBytes);
    const std::size_t lastNul = normalized.rfind('\0');
    auto unitAt = [&](std::uint32_t index) {
        std::uint32_t unit = 0;
        std::memcpy(&unit, units + 4 * static_cast<std::size_t>(index), 4);
        return unit;
    };
    auto offsetOf = [](std::uint32_t unit) { return (unit >> 10) << ((unit & (1u << 9)) >> 6); };

    std::vector<std::uint32_t> pending{0u ^ offsetOf(unitAt(0))};
    std::unordered_set<std::uint32_t> seen(pending.begin(), pending.end());
    while (!pending.empty()) {
        const std::uint32_t base = pending.back();
        pending.pop_back();
        if ((base | 0xffu) >= count) {   // base ^ c for every byte c must stay inside the array
            reason = "normalization trie points outside itself";
            return false;
        }
        for (std::uint32_t c = 0; c < 256; ++c) {
            const std::uint32_t child = base ^ c;
            const std::uint32_t unit = unitAt(child);
            if ((unit & ((1u << 31) | 0xffu)) != c) continue;   // no transition on c
            const std::uint32_t next = child ^ offsetOf(unit);
            if ((unit >> 8) & 1u) {   // has a leaf: its value indexes the replacement strings
                if (next >= count) {
                    reason = "normalization trie points outside itself";
                    return false;
                }
                const std::uint32_t value = unitAt(next) & ((1u << 31) - 1);
                if (lastNul == std::string_view::npos || value > lastNul) {
                    reason = "normalization rule points outside its replacement strings";
                    return false;
                }
            }
            if (seen.insert(next).second) pending.push_back(next);
        }
    }
    return true;
}

bool validateModel(std::string_view model, std::string& reason) {
    for (std::uint64_t field : {3u, 5u}) {
        std::string_view charsMap;
        if (!findCharsMap(model, field, charsMap, reason)) return false;
        if (!charsMap.empty() && !validateCharsMap(charsMap, reason)) return false;
    }
    return true;
}

template <typename F>
auto guarded(char* error, std::size_t errorSize, F&& body, decltype(body()) failure) noexcept {
    try {
        return body();
    } catch (const std::exception& e) {
        setError(error, errorSize, std::string("sentencepiece: ") + e.what());
    } catch (...) {
        setError(error, errorSize, "sentencepiece: unknown error");
    }
    return failure;
}

} // namespace

KOSMOS_SPM_EXPORT int kosmos_spm_abi_version() { return abi::kVersion; }

KOSMOS_SPM_EXPORT void* kosmos_spm_load(const char* path, char* error, std::size_t errorSize) {
    return guarded(error, errorSize, [&]() -> void* {
        std::string bytes;
        std::string reason;
        if (!path || !readModelFile(path, bytes, reason) || !validateModel(bytes, reason)) {
            setError(error, errorSize, path ? reason : "no path");
            return nullptr;
        }
        auto handle = std::make_unique<Handle>();
        const auto status = handle->processor.LoadFromSerializedProto(bytes);
        if (!status.ok()) {
            setError(error, errorSize, std::string("not a usable sentencepiece model: ") + status.ToString());
            return nullptr;
        }
        if (handle->processor.GetPieceSize() <= 0) {
            setError(error, errorSize, "sentencepiece model has no pieces");
            return nullptr;
        }
        return handle.release();
    }, nullptr);
}

KOSMOS_SPM_EXPORT void kosmos_spm_free(void* handle) { delete static_cast<Handle*>(handle); }

KOSMOS_SPM_EXPORT int kosmos_spm_piece_count(const void* handle) {
    return guarded(nullptr, 0, [&] { return asHandle(handle)->processor.GetPieceSize(); }, 0);
}

KOSMOS_SPM_EXPORT int kosmos_spm_unk_id(const void* handle) {
    return guarded(nullptr, 0, [&] { return asHandle(handle)->processor.unk_id(); }, 0);
}

KOSMOS_SPM_EXPORT const char* kosmos_spm_id_to_piece(const void* handle, int id, std::size_t* length) {
    return guarded(nullptr, 0, [&]() -> const char* {
        const auto& processor = asHandle(handle)->processor;
        if (id < 0 || id >= processor.GetPieceSize()) return nullptr;
        const std::string& piece = processor.IdToPiece(id);   // owned by the model: stable while loaded
        if (length) *length = piece.size();
        return piece.data();
    }, nullptr);
}

KOSMOS_SPM_EXPORT int kosmos_spm_piece_to_id(const void* handle, const char* piece, std::size_t length) {
    return guarded(nullptr, 0, [&] {
        const auto& processor = asHandle(handle)->processor;
        const std::string_view text(piece ? piece : "", piece ? length : 0);
        const int id = processor.PieceToId(text);
        // sentencepiece answers unk_id for unknown pieces; only the unk piece itself maps there.
        if (id == processor.unk_id() && processor.IdToPiece(id) != text) return -1;
        return id;
    }, -1);
}

KOSMOS_SPM_EXPORT std::int64_t kosmos_spm_encode(const void* handle, const char* text, std::size_t length, int* ids,
                                                 std::size_t capacity, char* error, std::size_t errorSize) {
    return guarded(error, errorSize, [&]() -> std::int64_t {
        std::vector<int> out;
        const auto status =
            asHandle(handle)->processor.Encode(std::string_view(text ? text : "", text ? length : 0), &out);
        if (!status.ok()) {
            setError(error, errorSize, std::string("sentencepiece: ") + status.ToString());
            return -1;
        }
        if (ids) std::copy_n(out.begin(), std::min(capacity, out.size()), ids);
        return static_cast<std::int64_t>(out.size());
    }, -1);
}

KOSMOS_SPM_EXPORT std::int64_t kosmos_spm_decode(const void* handle, const int* ids, std::size_t count, char* out,
                                                 std::size_t capacity, char* error, std::size_t errorSize) {
    return guarded(error, errorSize, [&]() -> std::int64_t {
        const auto& processor = asHandle(handle)->processor;
        std::vector<int> input(ids, ids + (ids ? count : 0));
        for (int id : input) {
            if (id < 0 || id >= processor.GetPieceSize()) {
                setError(error, errorSize, "sentencepiece: id " + std::to_string(id) + " out of range");
                return -1;
            }
        }
        std::string text;
        const auto status = processor.Decode(input, &text);
        if (!status.ok()) {
            setError(error, errorSize, std::string("sentencepiece: ") + status.ToString());
            return -1;
        }
        if (out) std::memcpy(out, text.data(), std::min(capacity, text.size()));
        return static_cast<std::int64_t>(text.size());
    }, -1);
}

// The loader finds these by name with the types of spm_loader.h: keep both in step.
static_assert(std::is_same_v<decltype(&kosmos_spm_abi_version), abi::VersionFn>);
static_assert(std::is_same_v<decltype(&kosmos_spm_load), abi::LoadFn>);
static_assert(std::is_same_v<decltype(&kosmos_spm_free), abi::FreeFn>);
static_assert(std::is_same_v<decltype(&kosmos_spm_piece_count), abi::PieceCountFn>);
static_assert(std::is_same_v<decltype(&kosmos_spm_unk_id), abi::UnkIdFn>);
static_assert(std::is_same_v<decltype(&kosmos_spm_id_to_piece), abi::IdToPieceFn>);
static_assert(std::is_same_v<decltype(&kosmos_spm_piece_to_id), abi::PieceToIdFn>);
static_assert(std::is_same_v<decltype(&kosmos_spm_encode), abi::EncodeFn>);
static_assert(std::is_same_v<decltype(&kosmos_spm_decode), abi::DecodeFn>);
