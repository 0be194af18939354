#include "datasets/tokenizer_training.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "datasets/child_process.h"
#include "model/error.h"

namespace kosmos::synth {
namespace fs = std::filesystem;
namespace {

constexpr int kPromptRepeats = 20;

void moveInto(const fs::path& from, const fs::path& to) {
    std::error_code error;
    fs::rename(from, to, error);
    if (error) throw Error(to.string() + ": cannot move the trained file into place (" + error.message() + ")");
}

} // namespace

const std::vector<std::string>& tokenizerPrompts() {
    static const std::vector<std::string> prompts = {
        "An image of",
        "A picture showing",
        "Describe this image in detail:",
        "It is",
        "Question: What is in this image? Answer:",
        "Question: What colour is the circle? Answer:",
        "Question: Where is the red square? Answer:",
        "Question: How many shapes are there? Answer:",
        "Question: What shape is the blue object? Answer:",
    };
    return prompts;
}

std::string tokenizerCorpus(const std::vector<std::string>& captions) {
    std::string corpus;
    const size_t used = std::min(captions.size(), kMaxCorpusCaptions);
    for (size_t i = 0; i < used; ++i) {
        corpus += captions[i];
        corpus += '\n';
    }
    for (int r = 0; r < kPromptRepeats; ++r) {
        for (const std::string& prompt : tokenizerPrompts()) {
            corpus += prompt;
            corpus += '\n';
        }
    }
    corpus += "There are 0, 1, 2, 3, 4, 5, 6, 7, 8 or 9 shapes; yes or no (left, right, top, bottom).\n";
    return corpus;
}

std::vector<std::string> spmTrainArguments(const std::string& program, const std::string& corpusPath,
                                           const std::string& modelPrefix, int vocabSize) {
    return {program,
            "--input=" + corpusPath,
            "--model_prefix=" + modelPrefix,
            "--vocab_size=" + std::to_string(vocabSize),
            "--model_type=bpe",
            "--character_coverage=1.0",
            "--num_threads=1",
            "--input_sentence_size=0",
            "--shuffle_input_sentence=false",
            "--unk_id=0",
            "--bos_id=1",
            "--eos_id=2",
            "--pad_id=-1",
            "--minloglevel=2",
            // A corpus of a few dozen words may not fill the requested vocabulary: take what it gives.
            "--hard_vocab_limit=false"};
}

std::string trainTokenizer(const std::vector<std::string>& captions, const TokenizerTrainingOptions& options) {
    if (options.outDir.empty()) throw Error("synth: no tokenizer output folder given");
    if (options.vocabSize < kMinVocabSize || options.vocabSize > kMaxVocabSize)
        throw Error("synth: vocabulary size " + std::to_string(options.vocabSize) + " outside " +
                    std::to_string(kMinVocabSize) + ".." + std::to_string(kMaxVocabSize));
    if (captions.empty()) throw Error("synth: no captions to train the tokenizer on");
    std::string program = options.program;
    if (program.empty()) {
        const char* fromEnvironment = std::getenv("KOSMOS_SPM_TRAIN");
        program = (fromEnvironment && *fromEnvironment) ? fromEnvironment : "spm_train";
    }
    // It runs in another folder: a relative path to the program must not change meaning.
    if (program.find('/') != std::string::npos) program = fs::absolute(program).string();

    const fs::path root(options.outDir);
    std::error_code error;
    fs::create_directories(root, error);
    if (error) throw Error(root.string() + ": cannot create the folder (" + error.message() + ")");

    // spm_train records its input and prefix in the model: run it in a scratch folder with the fixed names
    // the reference fixtures used, so the model's bytes do not depend on where it is written.
    const fs::path scratch = root / (".spm-train-" + std::to_string(::getpid()));
    fs::remove_all(scratch, error);
    fs::create_directories(scratch, error);
    if (error) throw Error(scratch.string() + ": cannot create the folder (" + error.message() + ")");
    struct RemoveScratch {
        fs::path path;
        ~RemoveScratch() {
            std::error_code ignored;
            fs::remove_all(path, ignored);
        }
    } removeScratch{scratch};

    const std::string corpusText = tokenizerCorpus(captions);
    for (const fs::path& path : {scratch / "spm_corpus.txt", root / "spm_corpus.txt"}) {
        std::ofstream corpus(path, std::ios::binary | std::ios::trunc);
        corpus << corpusText;
        corpus.close();
        if (!corpus) throw Error(path.string() + ": cannot write the tokenizer corpus");
    }

    const fs::path logPath = fs::absolute(scratch / "spm_train.log");
    const ProcessResult run =
        runProgram(spmTrainArguments(program, "spm_corpus.txt", "sentencepiece.bpe", options.vocabSize),
                   logPath.string(), fs::absolute(scratch).string());
    if (!run.started)
        throw Error(program + ": cannot run it (install the Debian package sentencepiece or set KOSMOS_SPM_TRAIN)");
    if (run.exitCode != 0) {
        const std::string lastLine = lastLineOf(logPath.string());
        throw Error(program + ": training failed with status " + std::to_string(run.exitCode) +
                    (lastLine.empty() ? std::string() : ": " + lastLine));
    }
    const fs::path model = root / "sentencepiece.bpe.model";
    moveInto(scratch / "sentencepiece.bpe.model", model);
    moveInto(scratch / "sentencepiece.bpe.vocab", root / "sentencepiece.bpe.vocab");
    return model.string();
}

} // namespace kosmos::synth
