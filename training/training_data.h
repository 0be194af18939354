#pragma once
// The stream of training samples: records in a new seeded order every epoch, each drawn as a grounded
// caption or as one referring expression (by refExpRatio), augmented, tokenised and preprocessed. A
// sample depends only on (seed, position in the stream), so a resumed run sees the same data as an
// uninterrupted one. BatchPrefetcher prepares the next micro-batches on worker threads.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "model/image_processor.h"
#include "training/augment.h"
#include "training/grounded_record.h"
#include "training/sequence_builder.h"

namespace kosmos {
class Tokenizer;
}

namespace kosmos::training {

struct DataOptions {
    double refExpRatio = 0.5;
    AugmentOptions augment;
    std::size_t maxTokens = 512;
    std::uint64_t seed = 0;
    // Keep decoded pictures already resized to the model's input, up to this many bytes, so later epochs
    // skip decoding and resizing (the same pixels: a resize to the size an image already has is exact).
    // Used only without crop and flip augmentation, which need the original picture.
    std::size_t imageCacheBytes = 0;
};

struct PreparedSample {
    TrainingSequence sequence;
    std::vector<float> pixels;       // CHW, normalised
    std::size_t record = 0;
    SequenceForm form = SequenceForm::GroundedCaption;
    std::string problem;             // set when the sample could not be prepared (then nothing else is)
};

class TrainingData {
public:
    // Throws kosmos::Error when there are no records.
    TrainingData(std::shared_ptr<const std::vector<GroundedRecord>> records, const Tokenizer& tokenizer,
                 PreprocessConfig preprocess, DataOptions options);

    std::size_t size() const { return mRecords->size(); }
    const GroundedRecord& record(std::size_t index) const { return (*mRecords)[index]; }
    // The record at `position` of the stream (thread-safe).
    std::size_t recordAt(std::uint64_t position) const;
    // The sample at `position`; a failure (unreadable image, sequence too long) comes back in `problem`.
    PreparedSample prepare(std::uint64_t position) const;
    const PreprocessConfig& preprocess() const { return mPreprocess; }
    std::size_t cachedImages() const;

private:
    ImageU8 loadImage(std::size_t index, const std::string& path) const;

    std::shared_ptr<const std::vector<GroundedRecord>> mRecords;
    const Tokenizer& mTokenizer;
    PreprocessConfig mPreprocess;
    DataOptions mOptions;
    mutable std::mutex mMutex;
    mutable std::map<std::uint64_t, std::shared_ptr<const std::vector<std::uint32_t>>> mOrders;   // by epoch
    mutable std::mutex mCacheMutex;
    mutable std::unordered_map<std::size_t, std::shared_ptr<const ImageU8>> mImageCache;   // by record
    mutable std::size_t mCacheBytes = 0;
};

// Micro-batch k holds the samples at positions first + k * batchSize ... + batchSize - 1.
class BatchPrefetcher {
public:
    BatchPrefetcher(const TrainingData& data, std::uint64_t firstPosition, int batchSize, int workers, int depth = 2);
    ~BatchPrefetcher();
    BatchPrefetcher(const BatchPrefetcher&) = delete;
    BatchPrefetcher& operator=(const BatchPrefetcher&) = delete;

    std::vector<PreparedSample> next();

private:
    void produce();
    std::vector<PreparedSample> prepareBatch(std::uint64_t first);

    const TrainingData& mData;
    std::uint64_t mNextPosition;
    int mBatchSize;
    int mWorkers;
    std::size_t mDepth;
    std::mutex mMutex;
    std::condition_variable mChanged;
    std::deque<std::vector<PreparedSample>> mReady;
    bool mStop = false;
    std::thread mThread;
};

// splitmix64: the stream's hash of (seed, position, salt).
std::uint64_t mixSeed(std::uint64_t seed, std::uint64_t position, std::uint64_t salt);

} // namespace kosmos::training
