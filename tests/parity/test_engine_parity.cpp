// The engine against transformers on the tiny fixture checkpoint: image embeddings, logits,
// KV-cached steps, every generation case, left-padded batches. Tolerance 1e-5 (max abs), ids exact.
// With int8 decoder weights: the same generated ids, scores within kInt8ScoreTolerance.
// LibTorch before Qt: Qt's `slots` macro breaks LibTorch's headers.
#include <ATen/core/grad_mode.h>

#include "engine_fixture.h"
#include "model/engine/attention.h"
#include "model/engine/cpu_parallel.h"
#include "model/engine/cpu_attention.h"
#include "model/engine/cpu_gelu_norm.h"
#include "model/engine/cpu_thread_team.h"
#include "model/engine/fused_ops.h"
#include "model/engine/generation.h"
#include "model/engine/huge_pages.h"
#include "model/engine/int8_weights.h"
#include "model/engine/kosmos2_model.h"
#include "model/engine/layers.h"
#include "model/engine/runtime_info.h"
#include "model/engine/text_model.h"
#include "model/error.h"
#include "model/tokens.h"

#include <QtTest>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstdint>
#include <limits>
#include <mutex>
#include <set>
#include <thread>

#if defined(__linux__)
#include <malloc.h>
#include <sys/mman.h>
#endif

using namespace kosmos;
using namespace kosmos::test;

namespace {

constexpr double kTolerance = 1e-5;
constexpr double kInt8ScoreTolerance = 0.05;

struct Inputs {
    GenerationInputs gen;
    at::Tensor pixels;
};

Inputs inputsFor(TorchEngine& engine, const nlohmann::json& ids, const std::string& image) {
    Inputs in;
    in.gen.inputIds = idsRow(ids);
    in.gen.attentionMask = at::ones_like(in.gen.inputIds);
    if (!image.empty()) {
        in.pixels = referenceTensor("pixel_values/" + image);
        in.gen.imageEmbeds = engine.model()->imageEmbeds(in.pixels);
        std::vector<std::int64_t> mask(ids.size(), 0);
        for (int i = 2; i < 2 + tokens::kNumImageTokens; ++i) mask[i] = 1;
        in.gen.imageEmbedsPositionMask = at::tensor(mask, at::TensorOptions().dtype(at::kLong)).view({1, -1});
    }
    return in;
}

const nlohmann::json& caseNamed(const std::string& name) {
    for (const auto& c : reference()["cases"])
        if (c["name"] == name) return c;
    throw std::runtime_error("no case " + name);
}

#if defined(__linux__)
// Bytes of the mapping holding `address` that /proc/self/smaps reports in transparent huge pages, or -1.
long long hugePageBytesAt(const void* address) {
    QFile smaps("/proc/self/smaps");
    if (!smaps.open(QIODevice::ReadOnly | QIODevice::Text)) return -1;
    const auto at = reinterpret_cast<std::uintptr_t>(address);
    bool inside = false;
    for (const QByteArray& line : smaps.readAll().split('\n')) {
        const int dash = line.indexOf('-'), space = line.indexOf(' ');
        bool okBegin = false, okEnd = false;
        const std::uintptr_t begin = line.left(dash).toULongLong(&okBegin, 16);
        const std::uintptr_t end = line.mid(dash + 1, space - dash - 1).toULongLong(&okEnd, 16);
        if (dash > 0 && space > dash && okBegin && okEnd) {
            inside = begin <= at && at < end;
            continue;
        }
        if (inside && line.startsWith("AnonHugePages:")) return line.mid(14).trimmed().split(' ').front().toLongLong() * 1024;
    }
    return -1;
}

// Whether this system grants transparent huge pages to advised memory.
bool transparentHugePagesOn() {
    QFile mode("/sys/kernel/mm/transparent_hugepage/enabled");
    if (!mode.open(QIODevice::ReadOnly)) return false;
    const QByteArray text = mode.readAll();
    return text.contains("[always]") || text.contains("[madvise]");
}
#endif

} // namespace

class TestEngineParity : public QObject {
    Q_OBJECT
    std::unique_ptr<TorchEngine> mEngine;
    std::unique_ptr<TorchEngine> mInt8;   // int8 decoder weights

    TorchEngine& engineFor(const QString& dtype) { return dtype == QLatin1String("int8") ? *mInt8 : *mEngine; }

private slots:
    void initTestCase() {
        mEngine = std::make_unique<TorchEngine>(fixtureDir(), LoadOptions{}, ProgressCallback{});
        QCOMPARE(mEngine->summary().vocabSize, 2037);
        mInt8 = std::make_unique<TorchEngine>(fixtureDir(), LoadOptions{"cpu", "int8"}, ProgressCallback{});
        QCOMPARE(mInt8->summary().parameters, mEngine->summary().parameters);
    }

    void imageEmbedsAndLogits_data() {
        QTest::addColumn<QString>("name");
        for (const auto& c : reference()["cases"]) {
            const std::string name = c["name"];
            QTest::newRow(name.c_str()) << QString::fromStdString(name);
        }
    }

    void imageEmbedsAndLogits() {
        QFETCH(QString, name);
        at::NoGradGuard noGrad;
        const auto& c = caseNamed(name.toStdString());
        const std::string image = c["image"].is_string() ? c["image"].get<std::string>() : "";
        Inputs in = inputsFor(*mEngine, c["input_ids"], image);
        if (!image.empty()) {
            const double embeds = maxAbsDiff(in.gen.imageEmbeds, referenceTensor(c["image_embeds"]));
            qInfo("%s image_embeds max abs diff %.3g", qPrintable(name), embeds);
            QVERIFY(embeds <= kTolerance);
        }
        auto& text = mEngine->model()->text_model;
        at::Tensor positions = positionIdsFromInputIds(in.gen.inputIds, 1, at::Tensor());
        at::Tensor mask = buildAttentionMask(in.gen.attentionMask, in.gen.inputIds.size(1), at::kFloat);
        at::Tensor logits = text->logits(
            text->model(in.gen.inputIds, positions, in.gen.imageEmbeds, in.gen.imageEmbedsPositionMask, mask, nullptr));
        const double diff = maxAbsDiff(logits, referenceTensor(c["logits"]));
        qInfo("%s logits max abs diff %.3g", qPrintable(name), diff);
        QVERIFY(diff <= kTolerance);
    }

    void cachedGreedySteps_data() { imageEmbedsAndLogits_data(); }

    void cachedGreedySteps() {
        QFETCH(QString, name);
        at::NoGradGuard noGrad;
        const auto& c = caseNamed(name.toStdString());
        const std::string image = c["image"].is_string() ? c["image"].get<std::string>() : "";
        Inputs in = inputsFor(*mEngine, c["input_ids"], image);
        ResolvedGenerationParams p;
        p.maxNewTokens = static_cast<int>(c["new_token_ids"].size());
        p.recordScores = true;
        GenerationOutput out = generateTokens(mEngine->model(), in.gen, p);
        QCOMPARE(out.newTokens[0], c["new_token_ids"].get<std::vector<std::int64_t>>());
        const double diff = maxAbsDiff(at::cat(out.stepScores, 0), referenceTensor(c["generation_step_scores"]));
        qInfo("%s cached step scores max abs diff %.3g", qPrintable(name), diff);
        QVERIFY(diff <= kTolerance);
    }

    void generationCases_data() {
        QTest::addColumn<int>("index");
        QTest::addColumn<QString>("dtype");
        for (const char* dtype : {"f32", "int8"}) {
            int i = 0;
            for (const auto& g : reference()["generation_cases"]) {
                const std::string name = g["name"].get<std::string>() + "/" + dtype;
                QTest::newRow(name.c_str()) << i++ << QString::fromLatin1(dtype);
            }
        }
    }

    void generationCases() {
        QFETCH(int, index);
        QFETCH(QString, dtype);
        const double tolerance = dtype == QLatin1String("int8") ? kInt8ScoreTolerance : kTolerance;
        TorchEngine& engine = engineFor(dtype);
        at::NoGradGuard noGrad;
        const auto& g = reference()["generation_cases"][index];
        nlohmann::json ids = g["generate_inputs"]["input_ids"];
        if (ids.is_string()) {   // "cases[NAME].input_ids"
            const std::string ref = ids;
            ids = caseNamed(ref.substr(6, ref.find(']') - 6))["input_ids"];
        }
        Inputs in = inputsFor(engine, ids, g["image"]);
        const auto& kw = g["generate_kwargs"];
        ResolvedGenerationParams p;
        p.maxNewTokens = kw["max_new_tokens"];
        p.noRepeatNgramSize = kw.value("no_repeat_ngram_size", 0);
        p.numBeams = kw.value("num_beams", 1);
        p.minNewTokens = kw.contains("min_new_tokens") ? kw["min_new_tokens"].get<int>() : 0;
        if (kw.contains("eos_token_id")) p.eosTokenIds = {kw["eos_token_id"].get<std::int64_t>()};
        p.recordScores = true;
        const std::int64_t promptLength = g["prompt_length"];
        if (g.contains("prefix_allowed_tokens_rule")) {
            const auto rule = g["prefix_allowed_tokens_rule"];
            p.constrain = [rule, promptLength](std::int64_t, const std::vector<std::int64_t>& seq, at::Tensor& scores) {
                const std::string t = std::to_string(static_cast<std::int64_t>(seq.size()) - promptLength);
                const auto& ranges = rule["allowed_id_ranges_inclusive_by_new_token_index"];
                const auto range = ranges.contains(t) ? ranges[t] : rule["otherwise"];
                at::Tensor mask = at::ones_like(scores, at::kBool);
                mask.narrow(0, range[0].get<std::int64_t>(), range[1].get<std::int64_t>() - range[0].get<std::int64_t>() + 1)
                    .fill_(false);
                scores.masked_fill_(mask, -std::numeric_limits<float>::infinity());
            };
        }
        GenerationOutput out = generateTokens(engine.model(), in.gen, p);
        QCOMPARE(out.newTokens[0], g["new_token_ids"].get<std::vector<std::int64_t>>());
        const std::string stopped = g["stopped_by"];
        QCOMPARE(QString::fromStdString(out.stoppedBy[0]),
                 QString::fromStdString(stopped == "eos_token_id" ? "eos" : "max_new_tokens"));
        if (p.numBeams > 1 && dtype == QLatin1String("int8")) {
            // Near-equal beams may sit in other slots with int8 weights; the returned sequence must not change.
            const double diff = std::abs(out.sequenceScores[0] - g["sequences_scores"][0].get<double>());
            qInfo("sequence score diff %.3g", diff);
            QVERIFY(diff <= tolerance);
        } else if (p.numBeams > 1) {
            at::Tensor all = at::stack(out.stepScores, 0);   // [steps, beams, V]
            if (g["scores_all_beams"].is_string()) {
                const double diff = maxAbsDiff(all, referenceTensor(g["scores_all_beams"]));
                qInfo("beam scores (all beams) max abs diff %.3g", diff);
                QVERIFY(diff <= tolerance);
            }
            // Row t: the beam the returned sequence extended at step t.
            std::vector<at::Tensor> chosen;
            const auto beams = g["beam_indices"].get<std::vector<std::int64_t>>();
            for (std::size_t t = 0; t < beams.size(); ++t) chosen.push_back(all[t][beams[t]]);
            const double diff = maxAbsDiff(at::stack(chosen, 0), referenceTensor(g["scores"]));
            qInfo("beam scores (returned beam) max abs diff %.3g", diff);
            QVERIFY(diff <= tolerance);
            QVERIFY(std::abs(out.sequenceScores[0] - g["sequences_scores"][0].get<double>()) <= tolerance);
        } else {
            const double diff = maxAbsDiff(at::cat(out.stepScores, 0), referenceTensor(g["scores"]));
            qInfo("processed scores max abs diff %.3g", diff);
            QVERIFY(diff <= tolerance);
        }
    }

    // Beam search records, for the returned hypothesis, each new token's probability under the model at its step
    // and the patch distributions (here ids below 1024 stand in for the patch-index tokens): checked against the
    // softmax of the logits of one forward pass over the prompt and the returned tokens.
    void beamSearchRecordsTheReturnedTokensProbabilities() {
        at::NoGradGuard noGrad;
        const auto& c = caseNamed(reference()["cases"][0]["name"]);
        Inputs in = inputsFor(*mEngine, c["input_ids"], c["image"].is_string() ? c["image"].get<std::string>() : "");
        ResolvedGenerationParams p;
        p.maxNewTokens = 12;
        p.numBeams = 3;
        p.noRepeatNgramSize = 2;   // beams that leave greedy's path
        GenerationHooks hooks;
        hooks.firstPatchTokenId = 0;
        const GenerationOutput out = generateTokens(mEngine->model(), in.gen, p, hooks);
        const std::vector<std::int64_t>& tokens = out.newTokens[0];
        QCOMPARE(out.tokenProbability[0].size(), tokens.size());
        QCOMPARE(out.patchDistribution[0].size(), tokens.size());
        const std::int64_t promptLength = in.gen.inputIds.size(1);
        at::Tensor ids = at::cat({in.gen.inputIds, at::tensor(tokens, at::kLong).view({1, -1})}, 1);
        at::Tensor imageMask = at::cat({in.gen.imageEmbedsPositionMask,
                                        at::zeros({1, static_cast<std::int64_t>(tokens.size())}, at::kLong)}, 1);
        auto& text = mEngine->model()->text_model;
        at::Tensor positions = positionIdsFromInputIds(ids, 1, at::Tensor());
        at::Tensor mask = buildAttentionMask(at::ones_like(ids), ids.size(1), at::kFloat);
        at::Tensor probs = text->logits(text->model(ids, positions, in.gen.imageEmbeds, imageMask, mask, nullptr))[0]
                               .softmax(-1);
        int patchSteps = 0;
        for (std::size_t s = 0; s < tokens.size(); ++s) {
            at::Tensor step = probs[promptLength - 1 + static_cast<std::int64_t>(s)];
            QVERIFY(std::abs(out.tokenProbability[0][s] - step[tokens[s]].item<float>()) < 1e-5);
            const std::vector<float>& patches = out.patchDistribution[0][s];
            QCOMPARE(patches.size(), std::size_t(tokens[s] < 1024 ? 1024 : 0));
            if (patches.empty()) continue;
            ++patchSteps;
            const at::Tensor expected = step.narrow(0, 0, 1024);
            QVERIFY(maxAbsDiff(at::tensor(patches), expected) < 1e-5);
        }
        QVERIFY(patchSteps > 0);
    }

    void leftPaddedBatch_data() {
        QTest::addColumn<QString>("dtype");
        QTest::newRow("f32") << QStringLiteral("f32");
        QTest::newRow("int8") << QStringLiteral("int8");
    }

    void leftPaddedBatch() {
        QFETCH(QString, dtype);
        TorchEngine& engine = engineFor(dtype);
        at::NoGradGuard noGrad;
        const auto& b = reference()["batch_generation"];
        GenerationInputs in;
        std::vector<at::Tensor> ids, masks, imageMasks, pixels;
        for (std::size_t r = 0; r < b["input_ids"].size(); ++r) {
            ids.push_back(idsRow(b["input_ids"][r]));
            masks.push_back(idsRow(b["attention_mask"][r]));
            imageMasks.push_back(idsRow(b["image_embeds_position_mask"][r]));
            pixels.push_back(referenceTensor(b["pixel_values"][r]));
        }
        in.inputIds = at::cat(ids, 0);
        in.attentionMask = at::cat(masks, 0);
        in.imageEmbedsPositionMask = at::cat(imageMasks, 0);
        in.imageEmbeds = engine.model()->imageEmbeds(at::cat(pixels, 0));
        ResolvedGenerationParams p;
        p.maxNewTokens = b["generate_kwargs"]["max_new_tokens"];
        p.noRepeatNgramSize = b["generate_kwargs"]["no_repeat_ngram_size"];
        GenerationOutput out = generateTokens(engine.model(), in, p);
        for (std::size_t r = 0; r < b["rows"].size(); ++r)
            QCOMPARE(out.newTokens[r], b["rows"][r]["new_token_ids"].get<std::vector<std::int64_t>>());
    }

    // q, k and v quantised as one matrix give what the three quantised one by one give (exactly for the rows
    // streamed in integers), and take the f32 weights' place (views of the one matrix, biases included).
    void int8AttentionProjectionsAsOneProduct() {
        at::NoGradGuard noGrad;
        at::manual_seed(11);
        KosmosTextAttention together(64, 4, true, 1e-5, at::TensorOptions());
        for (auto& p : together->parameters()) p.normal_();
        KosmosTextAttention apart(64, 4, true, 1e-5, at::TensorOptions());
        const auto from = together->named_parameters();
        for (auto& p : apart->named_parameters()) p.value().copy_(from[p.key()]);
        together->eval();
        apart->eval();
        together->quantizeInt8();
        quantizeLinearInt8(*together->out_proj);
        for (Linear* l : {&apart->q_proj, &apart->k_proj, &apart->v_proj, &apart->out_proj}) quantizeLinearInt8(**l);
        QVERIFY(together->qkvInt8.values.defined() && !apart->qkvInt8.values.defined());
        QCOMPARE(together->qkvInt8.values.sizes().vec(), (std::vector<std::int64_t>{192, 64}));
        QCOMPARE(together->v_proj->int8.values.data_ptr<std::int8_t>(),
                 together->qkvInt8.values.data_ptr<std::int8_t>() + 128 * 64);
        QCOMPARE(together->k_proj->bias.data_ptr<float>(), together->qkvBias.data_ptr<float>() + 64);
        QCOMPARE(together->q_proj->weight.numel(), std::int64_t{0});
        for (const std::int64_t rows : {1, 5, 12}) {   // a decode step, beams, a prefill
            const at::Tensor x = at::randn({1, rows, 64});
            const at::Tensor a = together->forward(x, {}, {}, nullptr, 0), b = apart->forward(x, {}, {}, nullptr, 0);
            if (rows <= 8) QVERIFY(at::equal(a, b));   // integer sums
            else QVERIFY(maxAbsDiff(a, b) <= kTolerance * b.abs().max().item<double>());   // BLAS, blocked otherwise
        }
        together->quantizeInt8();   // once only
        QCOMPARE(together->qkvInt8.values.size(0), std::int64_t{192});
        KosmosTextAttention adapted(64, 4, true, 1e-5, at::TensorOptions());
        adapted->k_proj->loraA = at::zeros({2, 64});
        QVERIFY_THROWS_EXCEPTION(Error, adapted->quantizeInt8());
    }

    void int8LinearMatchesItsDequantisedWeights_data() {
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("in");
        QTest::addColumn<bool>("withBias");
        QTest::addColumn<int>("out");
        // 5001 outputs: more than one tile of the prefill path, and odd, as a task's share may be.
        QTest::newRow("decode step") << 1 << 2048 << true << 5001;
        QTest::newRow("odd width") << 1 << 77 << false << 5001;
        QTest::newRow("three beams") << 3 << 200 << true << 5001;
        QTest::newRow("eight rows") << 8 << 64 << false << 5001;
        QTest::newRow("prefill tiles") << 70 << 300 << true << 5001;
        QTest::newRow("nine rows: one panel, mostly padding") << 9 << 256 << false << 5001;
        QTest::newRow("a batch's prefill: two passes of rows, inputs past a block") << 150 << 520 << true << 5001;
        QTest::newRow("wider than one integer block") << 2 << 9000 << true << 5001;
        QTest::newRow("one row wider than a block") << 1 << 9000 << false << 5001;
        QTest::newRow("fewer outputs than streams") << 1 << 300 << true << 3;
        QTest::newRow("rows left after four streams") << 1 << 2048 << false << 1531;
    }

    void int8LinearMatchesItsDequantisedWeights() {
        QFETCH(int, rows);
        QFETCH(int, in);
        QFETCH(bool, withBias);
        QFETCH(int, out);
        at::NoGradGuard noGrad;
        at::manual_seed(7);
        at::Tensor weight = at::randn({out, in});
        weight[out / 2].zero_();         // a row of zeros (scale 1)
        const Int8Rows q = quantizeRows(weight);
        QCOMPARE(q.values.scalar_type(), at::kChar);
        QVERIFY(q.values.abs().max().item<int>() <= 127);
        const at::Tensor dequantised = q.values.to(at::kFloat) * q.scales.unsqueeze(1);
        QVERIFY(maxAbsDiff(dequantised, weight) <= q.scales.max().item<double>() / 2 + 1e-6);
        at::Tensor x = at::randn({1, rows, in});
        at::Tensor bias = withBias ? at::randn({out}) : at::Tensor();
        at::Tensor y = int8Linear(x, q, bias);
        QCOMPARE(y.sizes().vec(), (std::vector<std::int64_t>{1, rows, out}));
        // x is streamed as int16 with one scale per row (max |x| / 32767): each input is off by at most half
        // a step, so an output by at most half a step times the sum of its row's |weights| (plus f32 rounding).
        const at::Tensor reference = at::linear(x, dequantised, bias);
        const at::Tensor halfStep = rows <= 8 ? x.abs().amax(-1, true) / 32767.0 / 2 : at::zeros({1, rows, 1});
        const at::Tensor bound = halfStep * dequantised.abs().sum(1) + 1e-3;
        const at::Tensor diff = (y - reference).abs();
        qInfo("max abs diff against f32 with the dequantised weights: %.3g (bound %.3g)",
              diff.max().item<double>(), bound.max().item<double>());
        QVERIFY((diff <= bound).all().item<bool>());
        if (rows <= 8) {   // exactly: x rounded to int16 as stated, integer sums, scaled in double
            const at::Tensor x2d = x.view({rows, in});
            const at::Tensor xScale = x2d.abs().amax(1, true) / 32767.0f;
            const at::Tensor xq = (x2d * xScale.reciprocal()).round().clamp(-32767, 32767).to(at::kDouble);
            const at::Tensor sums = xq.matmul(q.values.to(at::kDouble).t());   // integers below 2^53: exact
            at::Tensor exact = (sums * xScale.to(at::kDouble) * q.scales.to(at::kDouble)).to(at::kFloat);
            if (withBias) exact = exact + bias;
            QVERIFY(at::equal(y.view({rows, out}), exact));
        }
        // The streamed sums are exact integers: a row alone gives the same bits as in a batch of rows.
        if (rows > 1 && rows <= 8)
            for (int r = 0; r < rows; ++r)
                QVERIFY(at::equal(int8Linear(x.narrow(1, r, 1), q, bias), y.narrow(1, r, 1)));
        {   // a NaN in x comes out in its row, as f32 weights would give it, and in no other
            at::Tensor poisoned = x.clone();
            poisoned[0][0][0] = std::numeric_limits<float>::quiet_NaN();
            const at::Tensor out = int8Linear(poisoned, q, bias);
            QVERIFY(at::isnan(out[0][0]).all().item<bool>());
            if (rows > 1) QVERIFY(!at::isnan(out[0].narrow(0, 1, rows - 1)).any().item<bool>());
        }
    }

    void f32LinearMatchesBlas_data() {
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("in");
        QTest::addColumn<bool>("withBias");
        QTest::addColumn<int>("out");
        // Two sequences of `rows` each; a million weights or more but in the last row (BLAS).
        QTest::newRow("three beams' logits") << 3 << 256 << false << 4099;
        QTest::newRow("a prompt, inputs past a block") << 60 << 520 << true << 2017;
        QTest::newRow("the most rows the project's product takes") << 64 << 300 << true << 3500;
        QTest::newRow("odd inputs and outputs") << 17 << 1031 << true << 1021;
        QTest::newRow("a small matrix") << 5 << 64 << true << 100;
    }

    // Up to 128 rows of f32 activations times f32 weights (a prefill, beams): the project's kernel where
    // prefillProductApplies, the same sums as BLAS up to f32 rounding.
    void f32LinearMatchesBlas() {
        QFETCH(int, rows);
        QFETCH(int, in);
        QFETCH(bool, withBias);
        QFETCH(int, out);
        at::NoGradGuard noGrad;
        at::manual_seed(11);
        const at::Tensor weight = at::randn({out, in}), x = at::randn({2, rows, in});
        const at::Tensor bias = withBias ? at::randn({out}) : at::Tensor();
        const at::Tensor y = linearForward(x, weight, bias);
        QCOMPARE(y.sizes().vec(), (std::vector<std::int64_t>{2, rows, out}));
        const at::Tensor reference = at::linear(x.to(at::kDouble), weight.to(at::kDouble),
                                                withBias ? bias.to(at::kDouble) : at::Tensor());
        // f32 sums of `in` products of about unit size: rounding well below 1e-6 * in.
        const double diff = maxAbsDiff(y.to(at::kDouble), reference);
        qInfo("max abs diff against double: %.3g", diff);
        QVERIFY(diff <= 1e-6 * in + 1e-5);
        // The sums run over the inputs in order, whatever the threads: the same bits with one thread.
        const int threads = at::get_num_threads();
        at::set_num_threads(1);
        const at::Tensor alone = linearForward(x, weight, bias);
        at::set_num_threads(threads);
        QVERIFY(at::equal(alone, y));
        // A NaN stays in its row.
        at::Tensor poisoned = x.clone();
        poisoned[1][0][0] = std::numeric_limits<float>::quiet_NaN();
        const at::Tensor withNan = linearForward(poisoned, weight, bias);
        QVERIFY(at::isnan(withNan[1][0]).all().item<bool>());
        QVERIFY(at::equal(withNan[0], y[0]));
        if (rows > 1) QVERIFY(at::equal(withNan[1].narrow(0, 1, rows - 1), y[1].narrow(0, 1, rows - 1)));
    }

    // Buffers of 2 MiB or more start on a huge page boundary (Linux) and hold what is written to them; smaller
    // ones are ordinary tensors. Either way they are freed with their last reference.
    void hugePageTensorIsAlignedAndHoldsItsValues() {
        for (const std::int64_t rows : {3, 1537}) {
            at::Tensor t = hugePageTensor({rows, 2048}, at::kChar);
            QCOMPARE(t.sizes().vec(), (std::vector<std::int64_t>{rows, 2048}));
            QCOMPARE(t.scalar_type(), at::kChar);
            QVERIFY(t.is_contiguous() && t.device().is_cpu());
#if defined(__linux__)
            if (t.nbytes() >= (2u << 20))
                QCOMPARE(reinterpret_cast<std::uintptr_t>(t.data_ptr()) % (2u << 20), std::uintptr_t{0});
#endif
            const at::Tensor values = at::arange(rows * 2048, at::kLong).remainder(255).sub(127).to(at::kChar).view({rows, 2048});
            t.copy_(values);
            QVERIFY(at::equal(t, values));
        }
        const at::Tensor floats = hugePageTensor({1 << 20}, at::kFloat).fill_(1.5f);
        QCOMPARE(floats.sum().item<double>(), 1.5 * (1 << 20));
    }

#if defined(__linux__)
    // Huge pages even where the C allocator has memory at hand that was touched in 4 KiB pages before (as after
    // a model's f32 weights are freed for their int8 copies).
    void hugePageTensorGetsHugePagesAfterReusedMemory() {
        if (!transparentHugePagesOn()) QSKIP("transparent huge pages are off on this system");
        // 16 MiB from the allocator's heap, not a mapping of its own (32 MiB is the largest threshold it takes).
        QVERIFY(mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1);
        // Holes of touched memory between blocks that stay, the way a model's freed f32 weights leave them.
        constexpr std::size_t kHole = std::size_t{8} << 20;
        std::vector<void*> kept;
        std::vector<volatile char*> holes;
        for (int i = 0; i < 8; ++i) {
            holes.push_back(static_cast<volatile char*>(std::malloc(kHole)));
            kept.push_back(std::malloc(std::size_t{1} << 20));
            QVERIFY(holes.back() != nullptr && kept.back() != nullptr);
            for (std::size_t b = 0; b < kHole; b += 4096) holes.back()[b] = 1;
        }
        for (volatile char* hole : holes) std::free(const_cast<char*>(hole));
        std::vector<at::Tensor> tensors;
        std::vector<long long> huge;
        for (int i = 0; i < 8; ++i) {
            tensors.push_back(hugePageTensor({2048, 2048}, at::kChar).fill_(3));
            huge.push_back(hugePageBytesAt(tensors.back().data_ptr()));
        }
        for (void* p : kept) std::free(p);
        mallopt(M_MMAP_THRESHOLD, 128 << 10);
        QCOMPARE(huge, std::vector<long long>(8, 4 << 20));
    }
#endif

    // The CPU kernels' split across threads: every item once, the parts' exceptions rethrown, and a split asked
    // for from inside a part or from two threads at once still done (not waited on forever).
    void splitAcrossThreadsDoesEveryItemOnce() {
        const int threadsBefore = at::get_num_threads();
        at::set_num_threads(4);
        for (int round = 0; round < 200; ++round) {
            const std::int64_t n = 1 + round * 37;
            std::vector<std::atomic<int>> seen(static_cast<std::size_t>(n));
            splitAcrossThreads(n, 1 + round % 5, [&](std::int64_t begin, std::int64_t end) {
                for (std::int64_t i = begin; i < end; ++i) ++seen[static_cast<std::size_t>(i)];
            });
            for (const auto& count : seen) QCOMPARE(count.load(), 1);
        }
        bool thrown = false;
        try {
            splitAcrossThreads(100, 1, [](std::int64_t begin, std::int64_t) {
                if (begin > 0) throw Error("a part failed");
            });
        } catch (const Error& e) {
            thrown = QString::fromStdString(e.what()).contains("a part failed");
        }
        QVERIFY(thrown);
        std::atomic<std::int64_t> outer{0}, inner{0}, outerParts{0};
        auto nested = [&] {
            splitAcrossThreads(8, 1, [&](std::int64_t begin, std::int64_t end) {
                ++outerParts;
                splitAcrossThreads(1000, 1, [&](std::int64_t b, std::int64_t e) { inner += e - b; });
                outer += end - begin;
            });
        };
        std::thread other([&] {
            for (int i = 0; i < 50; ++i) nested();
        });
        for (int i = 0; i < 50; ++i) nested();
        other.join();
        at::set_num_threads(threadsBefore);
        QCOMPARE(outer.load(), std::int64_t(100 * 8));
        QCOMPARE(inner.load(), outerParts.load() * 1000);
    }

    // `--threads N` is LibTorch's count and, where LibTorch's BLAS is an OpenBLAS with its own threads (Debian's),
    // OpenBLAS's too: one thread means one thread in every matrix product.
    void configureThreadsSetsBlasThreadsToo() {
        const int before = at::get_num_threads();
        const int blasBefore = blasThreads();
        qInfo("OpenBLAS threads: %d (0: not OpenBLAS)", blasBefore);
        configureThreads(1);
        QCOMPARE(at::get_num_threads(), 1);
        if (blasBefore > 0) QCOMPARE(blasThreads(), 1);
        configureThreads(3);
        QCOMPARE(at::get_num_threads(), 3);
        if (blasBefore > 0) QCOMPARE(blasThreads(), 3);
        configureThreads(before);
    }

    // No --threads: one thread per core this process may run on, as sysfs lists them (LibTorch's own probe counts
    // one core on some virtual machines, this project's CI machine among them).
    void defaultThreadsAreOnePerCore() {
        const int before = at::get_num_threads();
        const int cores = physicalCores();
        qInfo("cores: %d, CPUs: %u", cores, std::thread::hardware_concurrency());
        QVERIFY(cores >= 1 && cores <= static_cast<int>(std::thread::hardware_concurrency()));
        if (std::getenv("OMP_NUM_THREADS") || std::getenv("MKL_NUM_THREADS"))
            QSKIP("OMP_NUM_THREADS or MKL_NUM_THREADS sets the default here");
        configureThreads(cores == 1 ? 2 : 1);
        configureThreads(0);
        QCOMPARE(at::get_num_threads(), cores);
        if (blasThreads() > 0) QCOMPARE(blasThreads(), cores);
        configureThreads(before);
    }

    // The split's chunks run on as many threads as LibTorch is set to use: more when it is raised, never more
    // when it is lowered, and a failure in a team thread's chunk reaches the caller after every chunk ran.
    void splitAcrossThreadsFollowsTheThreadCount() {
        const int threadsBefore = at::get_num_threads();
        // Each chunk waits (10 s at most) until `expected` threads have run one, so a thread the system wakes late
        // still shows; a thread more than expected would show as well.
        auto threadsUsed = [](std::size_t expected) {
            std::mutex mutex;
            std::set<std::thread::id> ids;
            splitAcrossThreads(static_cast<std::int64_t>(expected * 8), 1, [&](std::int64_t, std::int64_t) {
                const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
                for (;;) {
                    {
                        std::lock_guard<std::mutex> lock(mutex);
                        ids.insert(std::this_thread::get_id());
                        if (ids.size() >= expected) break;
                    }
                    if (std::chrono::steady_clock::now() > until) break;
                    std::this_thread::sleep_for(std::chrono::milliseconds(1));
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            });
            return ids.size();
        };
        at::set_num_threads(4);
        QCOMPARE(threadsUsed(4), std::size_t(4));
        at::set_num_threads(2);
        QCOMPARE(threadsUsed(2), std::size_t(2));
        at::set_num_threads(3);
        std::atomic<int> ran{0};
        std::atomic<bool> teamRan{false};
        const std::thread::id caller = std::this_thread::get_id();
        bool thrown = false;
        try {
            splitAcrossThreads(60, 1, [&](std::int64_t, std::int64_t) {
                ++ran;
                if (std::this_thread::get_id() != caller) {
                    teamRan = true;
                    throw Error("a team thread's chunk failed");
                }
                const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
                while (!teamRan && std::chrono::steady_clock::now() < until)
                    std::this_thread::sleep_for(std::chrono::milliseconds(1));
            });
        } catch (const Error& e) {
            thrown = QString::fromStdString(e.what()).contains("team thread");
        }
        at::set_num_threads(threadsBefore);
        QVERIFY(thrown);
        QCOMPARE(ran.load(), 60);
    }

#if defined(__linux__)
    // A read-ahead is a hint: memory unmapped since, or never mapped, is no fault, and the splits around it
    // still run every chunk once.
    void readAheadIsOnlyAHint() {
        const int threadsBefore = at::get_num_threads();
        at::set_num_threads(2);
        const std::size_t bytes = 4 << 20;
        void* unmapped = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        QVERIFY(unmapped != MAP_FAILED);
        QCOMPARE(munmap(unmapped, bytes), 0);
        std::atomic<std::int64_t> items{0};
        for (int round = 0; round < 200; ++round) {
            splitAcrossThreads(64, 1, [&](std::int64_t begin, std::int64_t end) { items += end - begin; });
            readAheadOnThreadTeam(round % 2 ? unmapped : reinterpret_cast<const void*>(std::uintptr_t{4096}),
                                  static_cast<std::int64_t>(bytes));
            std::this_thread::sleep_for(std::chrono::microseconds(round % 3 * 40));
        }
        at::set_num_threads(threadsBefore);
        QCOMPARE(items.load(), std::int64_t(200 * 64));
    }
#endif

    // A decode step's attention (one query row per head over the cache) is computed directly on the CPU; it
    // must give what the two matrix products and the softmax give, over a cache narrowed from its capacity.
    void singleQueryAttentionMatchesMatrixProducts_data() {
        QTest::addColumn<int>("batch");
        QTest::addColumn<int>("length");
        QTest::addColumn<int>("depth");
        QTest::addColumn<QString>("mask");
        QTest::newRow("decode step") << 1 << 75 << 64 << QString();
        QTest::newRow("odd depth, padding mask") << 3 << 20 << 13 << QStringLiteral("additive");
        QTest::newRow("boolean mask") << 2 << 9 << 48 << QStringLiteral("bool");
        QTest::newRow("long cache, split across threads") << 2 << 1500 << 64 << QStringLiteral("additive");
    }

    void singleQueryAttentionMatchesMatrixProducts() {
        QFETCH(int, batch);
        QFETCH(int, length);
        QFETCH(int, depth);
        QFETCH(QString, mask);
        at::NoGradGuard noGrad;
        at::manual_seed(11);
        const int heads = 4;
        // Scaled and split from [B, 1, E] as the model does.
        at::Tensor q = (at::randn({batch, 1, heads, depth}) / std::sqrt(double(depth))).transpose(1, 2);
        at::Tensor k = at::randn({batch, heads, length + 16, depth}).narrow(2, 0, length);
        at::Tensor v = at::randn({batch, heads, length + 16, depth}).narrow(2, 0, length);
        at::Tensor m;
        if (mask == QLatin1String("additive")) {
            m = at::zeros({batch, 1, 1, length});
            m.narrow(3, 0, 2).fill_(-std::numeric_limits<float>::infinity());   // left padding
        } else if (mask == QLatin1String("bool")) {
            m = at::rand({batch, 1, 1, length}) > 0.3;
            m.narrow(3, length - 1, 1).fill_(true);
        }
        QVERIFY(singleQueryAttentionApplies(q, k, v));
        at::Tensor reference = at::matmul(q, k.transpose(-1, -2));
        if (m.defined() && m.scalar_type() == at::kBool)
            reference = reference.masked_fill(m.logical_not(), -std::numeric_limits<float>::infinity());
        else if (m.defined())
            reference = reference + m;
        reference = at::matmul(at::softmax(reference, -1), v);
        const at::Tensor out = scaledAttention(q, k, v, m);
        QCOMPARE(out.sizes().vec(), (std::vector<std::int64_t>{batch, heads, 1, depth}));
        const double diff = maxAbsDiff(out, reference);
        qInfo("max abs diff against the matrix products: %.3g", diff);
        QVERIFY(diff <= 1e-5);
        QVERIFY(!singleQueryAttentionApplies(q.expand({batch, heads, 2, depth}), k, v));   // a prefill
    }

    // A whole decode step's attention in one pass (no mask): the new key and value land in the cache at the
    // step's position, and q attends over everything up to it as the matrix products and softmax would.
    void decodeAttentionMatchesMatrixProducts_data() {
        QTest::addColumn<int>("batch");
        QTest::addColumn<int>("position");
        QTest::addColumn<int>("depth");
        QTest::newRow("decode step") << 1 << 74 << 64;
        QTest::newRow("first position, odd depth") << 3 << 0 << 13;
        QTest::newRow("long cache, split across threads") << 2 << 1499 << 64;
    }

    void decodeAttentionMatchesMatrixProducts() {
        QFETCH(int, batch);
        QFETCH(int, position);
        QFETCH(int, depth);
        at::NoGradGuard noGrad;
        at::manual_seed(13);
        const int heads = 4, e = heads * depth;
        const float scale = 1.0f / std::sqrt(static_cast<float>(depth));
        // q, k and v as views of one fused projection's output, as the model has them.
        const at::Tensor qkv = at::randn({batch, 1, 3 * e});
        const std::vector<at::Tensor> parts = qkv.chunk(3, -1);
        at::Tensor keys = at::randn({batch, heads, position + 9, depth});
        at::Tensor values = at::randn({batch, heads, position + 9, depth});
        const at::Tensor keysBefore = keys.clone(), valuesBefore = values.clone();
        QVERIFY(decodeAttentionApplies(parts[0], parts[1], parts[2], keys, values, position));
        const at::Tensor out = decodeAttention(parts[0], parts[1], parts[2], scale, keys, values, position);
        QCOMPARE(out.sizes().vec(), (std::vector<std::int64_t>{batch, 1, e}));
        auto split = [&](const at::Tensor& rows) { return rows.view({batch, 1, heads, depth}).transpose(1, 2); };
        QVERIFY(at::equal(keys.narrow(2, position, 1), split(parts[1])));
        QVERIFY(at::equal(values.narrow(2, position, 1), split(parts[2])));
        QVERIFY(at::equal(keys.narrow(2, 0, position), keysBefore.narrow(2, 0, position)));
        QVERIFY(at::equal(keys.narrow(2, position + 1, 8), keysBefore.narrow(2, position + 1, 8)));
        QVERIFY(at::equal(values.narrow(2, 0, position), valuesBefore.narrow(2, 0, position)));
        const at::Tensor k = keys.narrow(2, 0, position + 1), v = values.narrow(2, 0, position + 1);
        const at::Tensor p = at::softmax(at::matmul(split(parts[0]) * scale, k.transpose(-1, -2)), -1);
        const at::Tensor reference = at::matmul(p, v).transpose(1, 2).reshape({batch, 1, e});
        const double diff = maxAbsDiff(out, reference);
        qInfo("max abs diff against the matrix products: %.3g", diff);
        QVERIFY(diff <= 1e-5);
        // A NaN in one head's first key (cached, or the new one at position 0) reaches that head's output, and
        // no other head's.
        at::Tensor bad = qkv.clone();
        if (position > 0) keys[0][0][0][0] = std::numeric_limits<float>::quiet_NaN();
        else bad[0][0][e] = std::numeric_limits<float>::quiet_NaN();
        const std::vector<at::Tensor> badParts = bad.chunk(3, -1);
        const at::Tensor poisoned = decodeAttention(badParts[0], badParts[1], badParts[2], scale, keys, values, position);
        QVERIFY(at::isnan(poisoned[0][0].narrow(0, 0, depth)).all().item<bool>());
        QVERIFY(!at::isnan(poisoned[0][0].narrow(0, depth, e - depth)).any().item<bool>());
        QVERIFY(!decodeAttentionApplies(parts[0], parts[1], parts[2], keys, values, position + 9));   // past capacity
        QVERIFY(!decodeAttentionApplies(qkv.expand({batch, 2, 3 * e}).narrow(2, 0, e), parts[1], parts[2], keys, values,
                                        position));   // two query rows
    }

    // A decode step's LayerNorm(gelu(x)), computed in the calling thread, gives what LibTorch's ops give.
    void cpuGeluLayerNormMatchesLibTorch_data() {
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("width");
        QTest::addColumn<double>("spread");
        QTest::newRow("decode step") << 1 << 8192 << 1.0;
        QTest::newRow("beams, odd width") << 3 << 77 << 1.0;
        QTest::newRow("large inputs (erf near 1, e^-x^2 below the normal range)") << 2 << 1000 << 12.0;
    }

    void cpuGeluLayerNormMatchesLibTorch() {
        QFETCH(int, rows);
        QFETCH(int, width);
        QFETCH(double, spread);
        at::NoGradGuard noGrad;
        at::manual_seed(17);
        const at::Tensor x = at::randn({rows, 1, width}) * spread, weight = at::randn({width}), bias = at::randn({width});
        QVERIFY(cpuGeluLayerNormApplies(x, weight, bias));
        const at::Tensor out = cpuGeluLayerNorm(x, weight, bias, 1e-5);
        const at::Tensor reference = at::layer_norm(at::gelu(x), {width}, weight, bias, 1e-5);
        const double diff = maxAbsDiff(out, reference);
        qInfo("max abs diff against LibTorch: %.3g", diff);
        QVERIFY(diff <= 1e-5);
        QVERIFY(maxAbsDiff(fusedGeluLayerNorm(x, weight, bias, 1e-5), out) == 0);   // the decode path takes it
        QVERIFY(!cpuGeluLayerNormApplies(at::randn({9, width}), weight, bias));      // a prefill: LibTorch's
        at::Tensor poisoned = x.clone();
        poisoned[0][0][0] = std::numeric_limits<float>::quiet_NaN();
        QVERIFY(at::isnan(cpuGeluLayerNorm(poisoned, weight, bias, 1e-5)[0]).all().item<bool>());
    }

    // The CUDA engine computes q, k and v as one product (prepareForCudaInference); the same
    // fusion on the CPU must keep every cached greedy step of transformers.
    void fusedProjectionsKeepTransformersSteps() {
        at::NoGradGuard noGrad;
        TorchEngine fused(fixtureDir(), LoadOptions{}, {});
        for (auto& layer : fused.model()->text_model->model->layerList) {
            auto& attention = layer->self_attn;
            const at::Tensor k = attention->k_proj->weight.clone();
            attention->fuseProjections();
            QVERIFY(attention->qkvWeight.defined());
            QCOMPARE(attention->k_proj->weight.data_ptr(), attention->qkvWeight[k.size(0)].data_ptr());
            QVERIFY(at::equal(attention->k_proj->weight, k));
        }
        for (const auto& c : reference()["cases"]) {
            const std::string image = c["image"].is_string() ? c["image"].get<std::string>() : "";
            Inputs in = inputsFor(fused, c["input_ids"], image);
            ResolvedGenerationParams p;
            p.maxNewTokens = static_cast<int>(c["new_token_ids"].size());
            p.recordScores = true;
            GenerationOutput out = generateTokens(fused.model(), in.gen, p);
            QCOMPARE(out.newTokens[0], c["new_token_ids"].get<std::vector<std::int64_t>>());
            const double diff = maxAbsDiff(at::cat(out.stepScores, 0), referenceTensor(c["generation_step_scores"]));
            qInfo("%s fused projections: step scores max abs diff %.3g", c["name"].get<std::string>().c_str(), diff);
            QVERIFY(diff <= kTolerance);
        }
    }

    void reducedPrecisionStaysClose_data() {
        QTest::addColumn<QString>("dtype");
        QTest::newRow("bf16") << QStringLiteral("bf16");
        QTest::newRow("int8") << QStringLiteral("int8");
    }

    void reducedPrecisionStaysClose() {
        QFETCH(QString, dtype);
        at::NoGradGuard noGrad;
        TorchEngine low(fixtureDir(), LoadOptions{"cpu", dtype.toStdString()}, {});
        const auto& c = caseNamed("grounding_an_image_of");
        at::Tensor pixels = referenceTensor("pixel_values/gradient_640x480.png");
        at::Tensor embeds = low.model()->imageEmbeds(pixels.to(low.dtype()));
        at::Tensor ids = idsRow(c["input_ids"]);
        std::vector<std::int64_t> mask(ids.size(1), 0);
        for (int i = 2; i < 66; ++i) mask[i] = 1;
        at::Tensor imageMask = at::tensor(mask, at::TensorOptions().dtype(at::kLong)).view({1, -1});
        auto& text = low.model()->text_model;
        at::Tensor logits = text->logits(text->model(ids, positionIdsFromInputIds(ids, 1, at::Tensor()), embeds, imageMask,
                                                     buildAttentionMask(at::ones_like(ids), ids.size(1), low.dtype()),
                                                     nullptr));
        const double diff = maxAbsDiff(logits, referenceTensor(c["logits"]));
        qInfo("%s logits max abs diff vs transformers f32: %.3g", qPrintable(dtype), diff);
        QVERIFY(diff < 0.05);
        QVERIFY(diff > 0);   // really ran in reduced precision
    }
};

QTEST_GUILESS_MAIN(TestEngineParity)
#include "test_engine_parity.moc"
