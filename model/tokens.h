#pragma once
// Every special and tag token name in one place.
#include <array>

namespace kosmos::tokens {

inline constexpr const char* kBos = "<s>";
inline constexpr const char* kPad = "<pad>";
inline constexpr const char* kEos = "</s>";
inline constexpr const char* kUnk = "<unk>";
inline constexpr const char* kMask = "<mask>";

inline constexpr const char* kEndOfDocument = "</doc>";
inline constexpr const char* kImage = "<image>";
inline constexpr const char* kEndOfImage = "</image>";
inline constexpr const char* kEndOfChunk = "</chunk>";
inline constexpr const char* kEndOfLine = "</line>";
inline constexpr const char* kPhrase = "<phrase>";
inline constexpr const char* kEndOfPhrase = "</phrase>";
inline constexpr const char* kObject = "<object>";
inline constexpr const char* kEndOfObject = "</object>";
inline constexpr const char* kDelimiter = "</delimiter_of_multi_objects/>";
inline constexpr const char* kGrounding = "<grounding>";

// In id order, right after <mask>.
inline constexpr std::array<const char*, 11> kTagTokens = {
    kEndOfDocument, kImage, kEndOfImage, kEndOfChunk, kEndOfLine, kPhrase,
    kEndOfPhrase, kObject, kEndOfObject, kDelimiter, kGrounding};

inline constexpr int kNumPatchIndexTokens = 1024;   // <patch_index_0000> ... <patch_index_1023>
inline constexpr int kPatchGrid = 32;               // 32 x 32 bins
inline constexpr int kNumImageTokens = 64;          // latent queries = image slots in the prompt

inline constexpr long kBosId = 0;
inline constexpr long kPadId = 1;
inline constexpr long kEosId = 2;
inline constexpr long kUnkId = 3;

} // namespace kosmos::tokens
