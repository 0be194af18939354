#pragma once
// The demo model's tokenizer: a small sentencepiece BPE trained by the `spm_train` program (run as a child
// process) on the shapes captions plus the task prompts, with the flags the reference fixtures used.
#include <string>
#include <vector>

namespace kosmos::synth {

inline constexpr int kDefaultVocabSize = 256;
inline constexpr int kMinVocabSize = 100;
inline constexpr int kMaxVocabSize = 32000;
inline constexpr size_t kMaxCorpusCaptions = 200000;

struct TokenizerTrainingOptions {
    std::string outDir;               // receives sentencepiece.bpe.model (+ .vocab and spm_corpus.txt)
    int vocabSize = kDefaultVocabSize;  // an upper bound: a small corpus may give fewer pieces
    std::string program;              // empty: $KOSMOS_SPM_TRAIN or "spm_train" from PATH
};

// Prompts the demo model is asked with ("An image of", "Describe this image in detail:", ...).
const std::vector<std::string>& tokenizerPrompts();

// The training text: the first kMaxCorpusCaptions captions, then every prompt repeated so that its words
// become pieces, then a line with the digits and punctuation answers use.
std::string tokenizerCorpus(const std::vector<std::string>& captions);

// The spm_train arguments, corpus and model prefix given.
std::vector<std::string> spmTrainArguments(const std::string& program, const std::string& corpusPath,
                                           const std::string& modelPrefix, int vocabSize);

// Trains and returns the path of sentencepiece.bpe.model. Throws kosmos::Error naming what failed.
std::string trainTokenizer(const std::vector<std::string>& captions, const TokenizerTrainingOptions& options);

} // namespace kosmos::synth
