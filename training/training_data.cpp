#include "training/training_data.h"

#include <exception>

#include "core/media/image_io.h"
#include "model/error.h"
#include "model/tokenizer.h"

namespace kosmos::training {
namespace {

std::uint64_t splitmix(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

double unit(std::uint64_t h) { return static_cast<double>(h >> 11) * (1.0 / 9007199254740992.0); }

} // namespace

std::uint64_t mixSeed(std::uint64_t seed, std::uint64_t position, std::uint64_t salt) {
    return splitmix(splitmix(splitmix(seed) ^ position) ^ salt);
}

TrainingData::TrainingData(std::shared_ptr<const std::vector<GroundedRecord>> records, const Tokenizer& tokenizer,
                           PreprocessConfig preprocess, DataOptions options)
    : mRecords(std::move(records)), mTokenizer(tokenizer), mPreprocess(preprocess), mOptions(options) {
    if (!mRecords || mRecords->empty()) throw Error("no training records (the data is empty or every record was skipped)");
}

std::size_t TrainingData::recordAt(std::uint64_t position) const {
    const std::uint64_t n = mRecords->size();
    const std::uint64_t epoch = position / n;
    std::shared_ptr<const std::vector<std::uint32_t>> order;
    {
        std::lock_guard<std::mutex> lock(mMutex);
        auto it = mOrders.find(epoch);
        if (it != mOrders.end()) {
            order = it->second;
        } else {
            // Fisher-Yates from the epoch's own hash stream: the same order on every platform.
            auto shuffled = std::make_shared<std::vector<std::uint32_t>>(n);
            for (std::uint64_t i = 0; i < n; ++i) (*shuffled)[i] = static_cast<std::uint32_t>(i);
            for (std::uint64_t i = n - 1; i > 0; --i) {
                const std::uint64_t j = mixSeed(mOptions.seed, epoch, i) % (i + 1);
                std::swap((*shuffled)[i], (*shuffled)[j]);
            }
            while (mOrders.size() >= 3) mOrders.erase(mOrders.begin());
            mOrders[epoch] = shuffled;
            order = shuffled;
        }
    }
    return (*order)[position % n];
}

std::size_t TrainingData::cachedImages() const {
    std::lock_guard<std::mutex> lock(mCacheMutex);
    return mImageCache.size();
}

ImageU8 TrainingData::loadImage(std::size_t index, const std::string& path) const {
    const bool cacheable = mOptions.imageCacheBytes > 0 && mOptions.augment.cropProbability <= 0 &&
                           !mOptions.augment.horizontalFlip;
    if (!cacheable) return loadImageFile(path);
    {
        std::lock_guard<std::mutex> lock(mCacheMutex);
        const auto it = mImageCache.find(index);
        if (it != mImageCache.end()) return *it->second;
    }
    auto resized = std::make_shared<const ImageU8>(resizeBicubic(toRgb(loadImageFile(path)), mPreprocess.size,
                                                                 mPreprocess.size));
    std::lock_guard<std::mutex> lock(mCacheMutex);
    if (mCacheBytes + resized->pixels.size() <= mOptions.imageCacheBytes && mImageCache.emplace(index, resized).second)
        mCacheBytes += resized->pixels.size();
    return *resized;
}

PreparedSample TrainingData::prepare(std::uint64_t position) const {
    PreparedSample sample;
    sample.record = recordAt(position);
    GroundedRecord record = (*mRecords)[sample.record];
    try {
        ImageU8 image = loadImage(sample.record, record.imagePath);
        augmentSample(image, record, mOptions.augment, mixSeed(mOptions.seed, position, 1));
        const std::uint64_t draw = mixSeed(mOptions.seed, position, 2);
        const bool rec = !record.refExps.empty() && (record.nounChunks.empty() || unit(draw) < mOptions.refExpRatio);
        std::string text;
        if (rec) {
            sample.form = SequenceForm::ReferringExpression;
            const std::size_t object = mixSeed(mOptions.seed, position, 3) % record.refExps.size();
            text = referringExpressionText(record.refExps[object]);
        } else {
            sample.form = SequenceForm::GroundedCaption;
            text = groundedCaptionText(record);
        }
        sample.sequence = buildSequence(mTokenizer, text, mOptions.maxTokens);
        sample.pixels = preprocessImage(image, mPreprocess);
    } catch (const std::exception& e) {
        sample = PreparedSample{};
        sample.record = recordAt(position);
        sample.problem = record.location + ": skipped in training, " + e.what();
    }
    return sample;
}

BatchPrefetcher::BatchPrefetcher(const TrainingData& data, std::uint64_t firstPosition, int batchSize, int workers,
                                 int depth)
    : mData(data), mNextPosition(firstPosition), mBatchSize(std::max(1, batchSize)), mWorkers(std::max(1, workers)),
      mDepth(static_cast<std::size_t>(std::max(1, depth))) {
    mThread = std::thread([this] { produce(); });
}

BatchPrefetcher::~BatchPrefetcher() {
    {
        std::lock_guard<std::mutex> lock(mMutex);
        mStop = true;
    }
    mChanged.notify_all();
    if (mThread.joinable()) mThread.join();
}

std::vector<PreparedSample> BatchPrefetcher::prepareBatch(std::uint64_t first) {
    std::vector<PreparedSample> batch(static_cast<std::size_t>(mBatchSize));
    const int helpers = std::min(mWorkers, mBatchSize) - 1;
    std::vector<std::thread> threads;
    const auto work = [&](int part) {
        for (int i = part; i < mBatchSize; i += helpers + 1) batch[i] = mData.prepare(first + i);
    };
    for (int t = 1; t <= helpers; ++t) threads.emplace_back(work, t);
    work(0);
    for (auto& t : threads) t.join();
    return batch;
}

void BatchPrefetcher::produce() {
    for (;;) {
        {
            std::unique_lock<std::mutex> lock(mMutex);
            mChanged.wait(lock, [&] { return mStop || mReady.size() < mDepth; });
            if (mStop) return;
        }
        std::vector<PreparedSample> batch = prepareBatch(mNextPosition);
        mNextPosition += static_cast<std::uint64_t>(mBatchSize);
        {
            std::lock_guard<std::mutex> lock(mMutex);
            mReady.push_back(std::move(batch));
        }
        mChanged.notify_all();
    }
}

std::vector<PreparedSample> BatchPrefetcher::next() {
    std::unique_lock<std::mutex> lock(mMutex);
    mChanged.wait(lock, [&] { return !mReady.empty(); });
    std::vector<PreparedSample> batch = std::move(mReady.front());
    mReady.pop_front();
    lock.unlock();
    mChanged.notify_all();
    return batch;
}

} // namespace kosmos::training
