// Per-box confidence and corner heat maps: the probabilities of the two patch-index tokens at the
// steps they were generated, matched to the entities of the post-processed text.
#include "model/engine/engine_impl.h"
#include "model/tokens.h"

namespace kosmos {
namespace {

using Pair = std::pair<std::size_t, std::size_t>;   // positions of the two corner tokens

// The <object>(<p><p>(</delimiter_of_multi_objects/><p><p>)*)</object> groups after the last </image>,
// in order: the same groups post-processing turns into entities.
std::vector<std::vector<Pair>> objectGroups(const std::vector<std::int64_t>& ids, const Tokenizer& tok) {
    const std::int64_t image = tok.tagId(tokens::kEndOfImage);
    const std::int64_t open = tok.tagId(tokens::kObject);
    const std::int64_t close = tok.tagId(tokens::kEndOfObject);
    const std::int64_t delimiter = tok.tagId(tokens::kDelimiter);
    std::size_t start = 0;
    for (std::size_t i = 0; i < ids.size(); ++i)
        if (ids[i] == image) start = i + 1;
    auto isPatch = [&](std::size_t i) { return i < ids.size() && tok.patchIndexOf(ids[i]) >= 0; };
    std::vector<std::vector<Pair>> groups;
    for (std::size_t i = start; i < ids.size(); ++i) {
        if (ids[i] != open) continue;
        std::vector<Pair> pairs;
        std::size_t j = i + 1;
        bool closed = false;
        while (isPatch(j) && isPatch(j + 1)) {
            pairs.emplace_back(j, j + 1);
            j += 2;
            if (j < ids.size() && ids[j] == delimiter) {
                ++j;
                continue;
            }
            closed = j < ids.size() && ids[j] == close;
            break;
        }
        if (closed) {
            groups.push_back(std::move(pairs));
            i = j;
        }
    }
    return groups;
}

} // namespace

void TorchEngine::attachBoxDetails(GenerationResult& result, const std::vector<std::int64_t>& fullIds,
                                   std::size_t promptLength, const std::vector<float>& probabilities,
                                   const std::vector<std::vector<float>>& distributions) const {
    const auto groups = objectGroups(fullIds, mTokenizer);
    if (groups.size() != result.entities.size()) return;
    for (std::size_t e = 0; e < groups.size(); ++e) {
        auto& boxes = result.entities[e].boxes;
        if (groups[e].size() != boxes.size()) continue;
        for (std::size_t b = 0; b < boxes.size(); ++b) {
            const auto [ul, lr] = groups[e][b];
            BoxDetail& detail = boxes[b];
            detail.ulIndex = mTokenizer.patchIndexOf(fullIds[ul]);
            detail.lrIndex = mTokenizer.patchIndexOf(fullIds[lr]);
            if (ul < promptLength || lr < promptLength) continue;   // given in the prompt: certain
            const std::size_t su = ul - promptLength, sl = lr - promptLength;
            if (sl >= probabilities.size()) continue;
            detail.confidence = static_cast<double>(probabilities[su]) * probabilities[sl];
            if (su < distributions.size()) detail.ulHeatmap = distributions[su];
            if (sl < distributions.size()) detail.lrHeatmap = distributions[sl];
        }
    }
}

} // namespace kosmos
