#pragma once
// Reading and writing samples: get/put of one sample with its entities as one unit, paged queries
// with filters and sort, review state and split changes, model predictions. Every write is one
// transaction, recorded in the change history and announced to the store's subscribers.
#include <cstdint>
#include <map>
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

// An edit of a sample read at `sample.revision` (the workbench's editor): stores caption, entities,
// review state and split as putSample does when the stored revision is still `sample.revision`, and
// returns true (nothing is written when nothing changed). When someone else changed the sample since,
// stores nothing and returns false, with the stored version in `current` (when given). One
// transaction; the history records "review" (from/to) when only the review state changed, otherwise
// "update" with the previous version. Throws kosmos::Error on an invalid sample or one that is gone.
bool putSampleIfUnchanged(AnnotationStore& store, Sample& sample, const std::string& actor,
                          Sample* current = nullptr);

// The first sample after `afterId` (in id order) in review state `state`, wrapping around to the
// first one; none when no sample other than `afterId` has that state.
std::optional<std::int64_t> nextSampleWithReview(AnnotationStore& store, ReviewState state, std::int64_t afterId);

// Finds the image by path or adds it; returns its id (fills image.id).
std::int64_t findOrAddImage(AnnotationStore& store, ImageInfo& image);
void setThumbnail(AnnotationStore& store, std::int64_t imageId, const std::string& encodedImage);
std::string thumbnail(AnnotationStore& store, std::int64_t imageId);

struct SampleFilter {
    std::optional<Split> split;
    std::optional<ReviewState> review;
    std::optional<EntitySource> hasSource;   // samples with at least one entity of this source
    std::string captionContains;
    bool captionIgnoreCase = false;          // captionContains matched without regard to ASCII case
    // Samples with a model box whose confidence is below this (their lowest model confidence is).
    std::optional<double> modelConfidenceBelow;
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

// How many samples each split, review state and entity source has (every value listed, zeros
// included), for a browser's filter choices.
struct SampleFacets {
    std::int64_t total = 0;
    std::map<Split, std::int64_t> bySplit;
    std::map<ReviewState, std::int64_t> byReview;
    std::map<EntitySource, std::int64_t> bySource;   // samples with at least one entity of the source
};
SampleFacets countFacets(AnnotationStore& store);

} // namespace kosmos::store
