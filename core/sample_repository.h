#pragma once
// Reading and writing samples: get/put of one sample with its entities as one unit, paged queries
// with filters and sort, review state and split changes, model predictions. Every write is one
// transaction, recorded in the change history and announced to the store's subscribers.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/sample.h"
#include "core/store.h"

namespace kosmos::store {

std::optional<Sample> getSample(AnnotationStore& store, std::int64_t id);
std::optional<Sample> getSampleByKey(AnnotationStore& store, const std::string& key);

// Stores a sample and replaces its entities, as one unit. `sample.id == 0` inserts (the id, revision
// and entity ids are filled in); otherwise updates, and throws kosmos::Error when the stored
// revision is not `sample.revision` (someone else changed it since it was read) or the sample is
// gone. The image, when given without an id, is added (or found by path). Throws on an invalid
// sample (validateSample). The change history keeps the previous version.
void putSample(AnnotationStore& store, Sample& sample, const std::string& actor);

void deleteSample(AnnotationStore& store, std::int64_t id, const std::string& actor);
void setReviewState(AnnotationStore& store, const std::vector<std::int64_t>& ids, ReviewState state,
                    const std::string& actor);
void setSplit(AnnotationStore& store, const std::vector<std::int64_t>& ids, Split split, const std::string& actor);

// Replaces the sample's entities from `checkpoint` with `entities` (source Model, that checkpoint
// and prompt); other entities stay. Actor "model:<checkpoint>".
void putModelPrediction(AnnotationStore& store, std::int64_t sampleId, const std::string& checkpoint,
                        const std::string& prompt, std::vector<EntityRecord> entities);

// Finds the image by path or adds it; returns its id (fills image.id).
std::int64_t findOrAddImage(AnnotationStore& store, ImageInfo& image);
void setThumbnail(AnnotationStore& store, std::int64_t imageId, const std::string& encodedImage);
std::string thumbnail(AnnotationStore& store, std::int64_t imageId);

struct SampleFilter {
    std::optional<Split> split;
    std::optional<ReviewState> review;
    std::optional<EntitySource> hasSource;   // samples with at least one entity of this source
    std::string captionContains;
};

enum class SampleSort { Id, Key, LowestModelConfidence, RecentlyUpdated, EntityCount };

struct PageRequest {
    SampleFilter filter;
    SampleSort sort = SampleSort::Id;
    bool descending = false;                  // LowestModelConfidence keeps samples without one last
    std::int64_t offset = 0;
    int limit = 100;                          // at most 10000
};

// One line of a browser's list.
struct SampleRow {
    std::int64_t id = 0;
    std::string key;
    std::string caption;
    Split split = Split::Train;
    ReviewState review = ReviewState::Unreviewed;
    int entityCount = 0;
    std::optional<double> minModelConfidence;
    std::string imagePath;
    std::int64_t updatedMs = 0;
    std::int64_t revision = 0;
};

std::vector<SampleRow> querySamples(AnnotationStore& store, const PageRequest& request);
std::int64_t countSamples(AnnotationStore& store, const SampleFilter& filter);

} // namespace kosmos::store
