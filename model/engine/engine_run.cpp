// TorchEngine::run: prompts and images in, grounded results out.
#include <ATen/core/grad_mode.h>

#include <limits>

#include "model/engine/engine_impl.h"
#include "model/error.h"
#include "model/tokens.h"

namespace kosmos {
namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

at::Tensor longMatrix(const std::vector<ProcessedText>& rows, std::vector<std::int64_t> ProcessedText::*field) {
    const std::int64_t width = static_cast<std::int64_t>((rows.front().*field).size());
    std::vector<std::int64_t> flat;
    for (const auto& row : rows) flat.insert(flat.end(), (row.*field).begin(), (row.*field).end());
    return at::tensor(flat, at::TensorOptions().dtype(at::kLong)).view({static_cast<std::int64_t>(rows.size()), width});
}

} // namespace

std::function<void(std::int64_t, const std::vector<std::int64_t>&, at::Tensor&)> TorchEngine::groundingConstraint(
    std::size_t promptLength) const {
    const std::int64_t object = mTokenizer.tagId(tokens::kObject);
    const std::int64_t endObject = mTokenizer.tagId(tokens::kEndOfObject);
    const std::int64_t delimiter = mTokenizer.tagId(tokens::kDelimiter);
    const std::int64_t firstPatch = mTokenizer.patchIndexId(0);
    const std::int64_t endPhrase = mTokenizer.tagId(tokens::kEndOfPhrase);
    return [=](std::int64_t, const std::vector<std::int64_t>& seq, at::Tensor& scores) {
        if (!seq.empty() && seq.back() == endPhrase) {   // a phrase is always followed by its box
            at::Tensor keep = at::zeros_like(scores, at::kBool);
            keep[object] = true;
            scores.masked_fill_(keep.logical_not(), -std::numeric_limits<float>::infinity());
            return;
        }
        // Where are we? Walk back to the last <object> or </object>.
        std::int64_t sinceOpen = -1;
        for (std::size_t i = seq.size(); i-- > 0;) {
            if (seq[i] == endObject) break;
            if (seq[i] == object || seq[i] == delimiter) {
                sinceOpen = static_cast<std::int64_t>(seq.size() - 1 - i);
                break;
            }
            if (i < promptLength - 1 && seq[i] < firstPatch) break;   // plain text inside the prompt: not in an object
        }
        const float lowest = -std::numeric_limits<float>::infinity();
        at::Tensor keep = at::zeros_like(scores, at::kBool);
        if (sinceOpen == 0 || sinceOpen == 1) {
            keep.narrow(0, firstPatch, tokens::kNumPatchIndexTokens).fill_(true);   // the two corners
        } else if (sinceOpen == 2) {
            keep[endObject] = true;
            keep[delimiter] = true;
        } else {
            keep.fill_(true);                                                      // outside an object:
            keep.narrow(0, firstPatch, tokens::kNumPatchIndexTokens).fill_(false); // no stray corners,
            keep[endObject] = false;                                               // nothing to close
            keep[delimiter] = false;
        }
        scores.masked_fill_(keep.logical_not(), lowest);
    };
}

std::vector<GenerationResult> TorchEngine::run(const std::vector<GenerationRequest>& requests,
                                               const TokenCallback& onToken, const std::atomic<bool>* cancel) {
    const std::lock_guard<std::mutex> oneAtATime(mRunMutex);
    at::NoGradGuard noGrad;
    const auto start = Clock::now();
    const ResolvedGenerationParams base = resolve(requests.front().params);
    std::vector<ProcessedText> prompts;
    std::vector<at::Tensor> pixels;
    for (const auto& request : requests) {
        prompts.push_back(processPrompt(mTokenizer, request.prompt, request.boxesPerPhrase));
        pixels.push_back(pixelValues(request.image));
    }
    std::vector<std::size_t> unpaddedLength;
    for (const auto& p : prompts) unpaddedLength.push_back(p.inputIds.size());
    prompts = padBatch(std::move(prompts), /*leftPad=*/true, mConfig.text.padTokenId);
    const double preprocessMs = msSince(start);

    GenerationInputs inputs;
    inputs.inputIds = longMatrix(prompts, &ProcessedText::inputIds).to(mDevice);
    inputs.attentionMask = longMatrix(prompts, &ProcessedText::attentionMask).to(mDevice);
    inputs.imageEmbedsPositionMask = longMatrix(prompts, &ProcessedText::imageEmbedsPositionMask).to(mDevice);
    const auto visionStart = Clock::now();
    inputs.imageEmbeds = mModel->imageEmbeds(at::cat(pixels, 0).to(mDevice, mDtype));
    if (mDevice.is_cuda()) inputs.imageEmbeds.cpu();   // synchronise for an honest timing
    const double visionMs = msSince(visionStart);

    ResolvedGenerationParams params = base;
    const std::size_t promptLength = prompts.front().inputIds.size();
    if (requests.front().params.constrainedGrounding) params.constrain = groundingConstraint(promptLength);
    GenerationHooks hooks;
    hooks.cancel = cancel;
    hooks.firstPatchTokenId = mTokenizer.patchIndexId(0);
    std::vector<std::int64_t> streamed;
    Clock::time_point firstToken;
    const auto generateStart = Clock::now();
    hooks.onStep = [&](int step, const std::vector<std::int64_t>& next) {
        if (step == 0) firstToken = Clock::now();
        if (!onToken) return true;
        streamed.push_back(next.front());
        return onToken(next.front(), mTokenizer.decode(streamed, true));
    };
    GenerationOutput output = generateTokens(mModel, inputs, params, hooks);
    const double generateMs = msSince(generateStart);

    std::vector<GenerationResult> results(requests.size());
    for (std::size_t i = 0; i < requests.size(); ++i) {
        GenerationResult& result = results[i];
        result.generatedIds = output.newTokens[i];
        result.stoppedBy = output.stoppedBy[i];
        result.cancelled = result.stoppedBy == "cancelled";
        std::vector<std::int64_t> full(prompts[i].inputIds.end() - static_cast<std::ptrdiff_t>(unpaddedLength[i]),
                                       prompts[i].inputIds.end());
        full.insert(full.end(), result.generatedIds.begin(), result.generatedIds.end());
        result.text = mTokenizer.decode(full, true);
        const PostProcessed post = postProcessGeneration(result.text);
        result.caption = post.caption;
        for (const Entity& e : post.entities) {
            GroundedEntity g;
            g.phrase = e.phrase;
            g.span = e.span;
            for (const Box& b : e.boxes) {
                BoxDetail d;
                d.box = b;
                d.confidence = 1.0;
                g.boxes.push_back(d);
            }
            result.entities.push_back(std::move(g));
        }
        if (i < output.tokenProbability.size() && !output.tokenProbability[i].empty())
            attachBoxDetails(result, full, unpaddedLength[i], output.tokenProbability[i], output.patchDistribution[i]);
        const double firstMs = std::chrono::duration<double, std::milli>(firstToken - generateStart).count();
        result.timingsMs = {{"preprocess", preprocessMs}, {"vision", visionMs}, {"prefill", firstMs},
                            {"decode", generateMs - firstMs}, {"total", msSince(start)}};
    }
    return results;
}

} // namespace kosmos
