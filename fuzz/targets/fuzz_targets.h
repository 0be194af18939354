#pragma once
// The fuzz targets: one function per parser of outside input, fed arbitrary bytes. Each returns 0 and fails
// only by crashing: a sanitizer report, an exception other than kosmos::Error escaping, or a property that
// must hold (require) being false. libFuzzer drives them in the fuzzing build (fuzz/CMakeLists.txt);
// tests/reliability/test_fuzz_replay.cpp replays the committed corpora and regressions through the same
// functions in the normal build.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace kosmos {
class Tokenizer;
}

namespace kosmos::fuzz {

using Target = int (*)(const std::uint8_t* data, std::size_t size);

int safetensorsFile(const std::uint8_t* data, std::size_t size);    // a .safetensors file: header and data bounds
int safetensorsIndex(const std::uint8_t* data, std::size_t size);   // model.safetensors.index.json of shards
int modelConfig(const std::uint8_t* data, std::size_t size);        // config.json and generation_config.json
int tokenizerText(const std::uint8_t* data, std::size_t size);      // encode/decode of arbitrary bytes and ids
int promptText(const std::uint8_t* data, std::size_t size);         // prompt normalisation, boxes, token ids
int generatedText(const std::uint8_t* data, std::size_t size);      // post-processing of generated text
int gritRecord(const std::uint8_t* data, std::size_t size);         // one GRIT JSON record (decode/encode)
int gritJsonl(const std::uint8_t* data, std::size_t size);          // a GRIT JSONL file imported into a store
int img2datasetRecord(const std::uint8_t* data, std::size_t size);  // an img2dataset folder (.json + .txt)
int tarShard(const std::uint8_t* data, std::size_t size);           // a webdataset tar shard (any compression)
int imageDecode(const std::uint8_t* data, std::size_t size);        // image probing and bounded decoding

struct NamedTarget {
    const char* name;   // also the folder of its corpus: fuzz/corpus/<name>/
    Target run;
};
const std::vector<NamedTarget>& allTargets();

// Aborts with `what` on stderr unless `condition` holds.
void require(bool condition, const char* what);

// A private scratch folder of this process (on /dev/shm when there is one), removed at exit.
const std::string& scratchDir();
// Writes `size` bytes to scratchDir()/name (folders created as needed) and returns the path.
std::string writeScratch(const std::string& name, const std::uint8_t* data, std::size_t size);
// The tokenizer fixture (tests/data/kosmos2-tiny), loaded once.
const Tokenizer& fixtureTokenizer();
// Folder of the committed fixtures (tests/data), from the build.
std::string testDataDir();

} // namespace kosmos::fuzz
