#include "core/sample_repository.h"

#include <algorithm>

#include "core/change_log.h"
#include "core/grit_codec.h"
#include "core/sample_rows.h"
#include "core/store_schema.h"
#include "model/error.h"

namespace kosmos::store {

namespace {

const std::string& selectSampleById() {
    static const std::string sql =
        std::string("SELECT ") + schema::sql::kSampleColumns + schema::sql::kSampleFrom + " WHERE s.id = ?1";
    return sql;
}

void loadEntities(AnnotationStore& store, Sample& sample) {
    StatementLease query = store.db().cached(schema::sql::kSelectEntities);
    query->bind(1, sample.id);
    while (query->step()) {
        EntityRecord entity;
        readEntityColumns(*query, entity);
        sample.entities.push_back(std::move(entity));
    }
}

std::string sampleLabel(std::int64_t id) { return "sample " + std::to_string(id); }

// The stored version, for the history and the revision check (inside the caller's transaction).
Sample requireSample(AnnotationStore& store, std::int64_t id) {
    std::optional<Sample> sample = getSample(store, id);
    if (!sample) throw Error(store.path() + ": " + sampleLabel(id) + " not found");
    return std::move(*sample);
}

void notify(AnnotationStore& store, ChangeEvent::Kind kind, std::vector<std::int64_t> ids, const std::string& actor) {
    store.queueEvent(ChangeEvent{kind, std::move(ids), actor});
}

bool sameEntity(const EntityRecord& a, const EntityRecord& b) {
    return a.kind == b.kind && a.spanStart == b.spanStart && a.spanEnd == b.spanEnd && a.phrase == b.phrase &&
           a.boxes == b.boxes && a.confidence == b.confidence && a.source == b.source &&
           a.modelCheckpoint == b.modelCheckpoint && a.modelPrompt == b.modelPrompt && a.author == b.author;
}

// Whether an edit leaves everything but the review state as stored (the fields an editor changes).
bool sameExceptReview(const Sample& a, const Sample& b) {
    return a.caption == b.caption && a.split == b.split && a.key == b.key &&
           std::equal(a.entities.begin(), a.entities.end(), b.entities.begin(), b.entities.end(), sameEntity);
}

} // namespace

std::optional<Sample> getSample(AnnotationStore& store, std::int64_t id) {
    ReadSnapshot snapshot(store);
    Sample sample;
    {
        StatementLease query = store.db().cached(selectSampleById());
        query->bind(1, id);
        if (!query->step()) return std::nullopt;
        readSampleColumns(*query, sample);
    }
    loadEntities(store, sample);
    return sample;
}

std::optional<Sample> getSampleByKey(AnnotationStore& store, const std::string& key) {
    std::int64_t id = 0;
    {
        StatementLease query = store.db().cached(schema::sql::kFindSampleByKey);
        query->bind(1, key);
        if (!query->step()) return std::nullopt;
        id = query->integer(0);
    }
    return getSample(store, id);
}

std::int64_t findOrAddImage(AnnotationStore& store, ImageInfo& image) {
    {
        StatementLease find = store.db().cached(schema::sql::kFindImageByPath);
        find->bind(1, image.path);
        if (find->step()) {
            image.id = find->integer(0);
            return image.id;
        }
    }
    StatementLease insert = store.db().cached(schema::sql::kInsertImage);
    insert->bind(1, image.path).bindOrNull(2, image.contentHash).bind(3, image.byteSize);
    if (image.width > 0) insert->bind(4, image.width).bind(5, image.height);
    insert->bindOrNull(6, image.format).bind(7, nowMs());
    insert->run();
    image.id = store.db().lastInsertId();
    return image.id;
}

void setThumbnail(AnnotationStore& store, std::int64_t imageId, const std::string& encodedImage) {
    Transaction transaction(store);
    StatementLease update = store.db().cached(schema::sql::kSetThumbnail);
    update->bind(1, imageId).bindBlob(2, encodedImage.data(), encodedImage.size());
    update->run();
    if (store.db().changes() != 1) throw Error(store.path() + ": image " + std::to_string(imageId) + " not found");
    transaction.commit();
}

std::string thumbnail(AnnotationStore& store, std::int64_t imageId) {
    StatementLease query = store.db().cached(schema::sql::kSelectThumbnail);
    query->bind(1, imageId);
    return query->step() ? query->blob(0) : std::string();
}

void putSample(AnnotationStore& store, Sample& sample, const std::string& actor) {
    if (std::string problem = validateSample(sample); !problem.empty()) {
        throw Error(store.path() + ": sample '" + sample.key + "': " + problem);
    }
    Transaction transaction(store);
    const std::int64_t at = nowMs();
    if (sample.image && sample.image->id == 0) findOrAddImage(store, *sample.image);
    Sample written = sample;
    if (written.id == 0) {
        insertSampleRows(store, written, at);
        recordChange(store, at, actor, action::kInsert, written.id, written.key, {});
        notify(store, ChangeEvent::Kind::SampleInserted, {written.id}, actor);
    } else {
        const Sample previous = requireSample(store, written.id);
        if (previous.revision != written.revision) {
            throw Error(store.path() + ": sample '" + previous.key + "' was changed since it was read (revision " +
                        std::to_string(previous.revision) + ", expected " + std::to_string(written.revision) + ")");
        }
        updateSampleRows(store, written, at);
        recordChange(store, at, actor, action::kUpdate, written.id, written.key, sampleToJson(previous).dump());
        notify(store, ChangeEvent::Kind::SampleUpdated, {written.id}, actor);
    }
    transaction.commit();
    sample = std::move(written);
}

bool putSampleIfUnchanged(AnnotationStore& store, Sample& sample, const std::string& actor, Sample* current) {
    if (sample.id == 0) {
        putSample(store, sample, actor);
        return true;
    }
    if (std::string problem = validateSample(sample); !problem.empty()) {
        throw Error(store.path() + ": sample '" + sample.key + "': " + problem);
    }
    Transaction transaction(store);
    Sample previous = requireSample(store, sample.id);
    if (previous.revision != sample.revision) {
        if (current) *current = std::move(previous);
        return false;
    }
    if (!sameExceptReview(previous, sample)) {
        putSample(store, sample, actor);
    } else if (previous.review != sample.review) {
        const std::int64_t at = nowMs();
        StatementLease update = store.db().cached(schema::sql::kSetReview);
        update->bind(1, sample.id).bind(2, toString(sample.review)).bind(3, at);
        update->run();
        const std::string detail =
            nlohmann::json{{"from", toString(previous.review)}, {"to", toString(sample.review)}}.dump();
        recordChange(store, at, actor, action::kReview, sample.id, previous.key, detail);
        notify(store, ChangeEvent::Kind::ReviewChanged, {sample.id}, actor);
        sample.revision = previous.revision + 1;
        sample.updatedMs = at;
    }
    transaction.commit();
    return true;
}

std::optional<std::int64_t> nextSampleWithReview(AnnotationStore& store, ReviewState state, std::int64_t afterId) {
    StatementLease query = store.db().cached(schema::sql::kNextSampleWithReview);
    for (const std::int64_t from : {afterId, std::int64_t(0)}) {
        query->reset();
        query->bind(1, toString(state)).bind(2, from);
        if (query->step() && query->integer(0) != afterId) return query->integer(0);
    }
    return std::nullopt;
}

void deleteSample(AnnotationStore& store, std::int64_t id, const std::string& actor) {
    Transaction transaction(store);
    const Sample previous = requireSample(store, id);
    {
        StatementLease remove = store.db().cached(schema::sql::kDeleteSample);
        remove->bind(1, id);
        remove->run();
    }
    const std::int64_t at = nowMs();
    recordChange(store, at, actor, action::kDelete, id, previous.key, sampleToJson(previous).dump());
    notify(store, ChangeEvent::Kind::SampleDeleted, {id}, actor);
    transaction.commit();
}

void setReviewState(AnnotationStore& store, const std::vector<std::int64_t>& ids, ReviewState state,
                    const std::string& actor) {
    Transaction transaction(store);
    const std::int64_t at = nowMs();
    for (std::int64_t id : ids) {
        const Sample previous = requireSample(store, id);
        StatementLease update = store.db().cached(schema::sql::kSetReview);
        update->bind(1, id).bind(2, toString(state)).bind(3, at);
        update->run();
        const std::string detail = nlohmann::json{{"from", toString(previous.review)}, {"to", toString(state)}}.dump();
        recordChange(store, at, actor, action::kReview, id, previous.key, detail);
    }
    notify(store, ChangeEvent::Kind::ReviewChanged, ids, actor);
    transaction.commit();
}

void setSplit(AnnotationStore& store, const std::vector<std::int64_t>& ids, Split split, const std::string& actor) {
    Transaction transaction(store);
    const std::int64_t at = nowMs();
    for (std::int64_t id : ids) {
        const Sample previous = requireSample(store, id);
        StatementLease update = store.db().cached(schema::sql::kSetSplit);
        update->bind(1, id).bind(2, toString(split)).bind(3, at);
        update->run();
        const std::string detail = nlohmann::json{{"from", toString(previous.split)}, {"to", toString(split)}}.dump();
        recordChange(store, at, actor, action::kSplit, id, previous.key, detail);
    }
    notify(store, ChangeEvent::Kind::SplitChanged, ids, actor);
    transaction.commit();
}

void putModelPrediction(AnnotationStore& store, std::int64_t sampleId, const std::string& checkpoint,
                        const std::string& prompt, std::vector<EntityRecord> entities) {
    Transaction transaction(store);
    Sample sample = requireSample(store, sampleId);
    auto& list = sample.entities;
    list.erase(std::remove_if(list.begin(), list.end(),
                              [&](const EntityRecord& e) {
                                  return e.source == EntitySource::Model && e.modelCheckpoint == checkpoint;
                              }),
               list.end());
    for (EntityRecord& entity : entities) {
        entity.source = EntitySource::Model;
        entity.modelCheckpoint = checkpoint;
        entity.modelPrompt = prompt;
        list.push_back(std::move(entity));
    }
    putSample(store, sample, "model:" + checkpoint);
    transaction.commit();
}

} // namespace kosmos::store
