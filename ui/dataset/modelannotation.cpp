#include "ui/dataset/modelannotation.h"

#include <QByteArray>
#include <QFileInfo>

#include <algorithm>

#include "core/image_probe.h"
#include "core/sample_repository.h"
#include "core/sha256.h"
#include "model/error.h"

namespace kosmos::ui {

namespace store = kosmos::store;

namespace {

bool personTouched(const store::Sample& sample) {
    return sample.review != store::ReviewState::Unreviewed ||
           std::any_of(sample.entities.begin(), sample.entities.end(),
                       [](const store::EntityRecord& e) { return e.source == store::EntitySource::Human; });
}

bool sameBoxes(const store::EntityRecord& a, const store::EntityRecord& b) {
    return a.spanStart == b.spanStart && a.spanEnd == b.spanEnd && a.boxes == b.boxes && a.confidence == b.confidence;
}

// Whether the stored sample already holds exactly this prediction of the checkpoint.
bool holdsPrediction(const store::Sample& sample, const std::string& caption, const std::string& checkpoint,
                     const std::vector<store::EntityRecord>& entities) {
    if (sample.caption != caption) return false;
    std::vector<const store::EntityRecord*> stored;
    for (const store::EntityRecord& e : sample.entities)
        if (e.source == store::EntitySource::Model && e.modelCheckpoint == checkpoint) stored.push_back(&e);
    if (stored.size() != entities.size()) return false;
    for (std::size_t i = 0; i < stored.size(); ++i)
        if (!sameBoxes(*stored[i], entities[i])) return false;
    return true;
}

} // namespace

std::string modelSampleKey(const QString& imagePath, const QString& prompt) {
    const QFileInfo info(imagePath);
    const QByteArray identity = (info.absoluteFilePath() + QLatin1Char('\n') + prompt).toUtf8();
    const std::string digest = store::sha256Hex(identity.toStdString());
    return info.completeBaseName().toStdString() + "-" + digest.substr(0, 10);
}

std::vector<store::EntityRecord> modelEntities(const kosmos::GenerationResult& result, const std::string& checkpoint,
                                               const std::string& prompt) {
    std::vector<store::EntityRecord> out;
    const std::int64_t captionLength = store::utf8Length(result.caption);
    for (const kosmos::GroundedEntity& entity : result.entities) {
        if (!store::spanProblem(entity.span.first, entity.span.second, captionLength).empty()) continue;
        for (const kosmos::BoxDetail& detail : entity.boxes) {
            if (!store::boxProblem(detail.box).empty()) continue;
            store::EntityRecord record;
            record.kind = store::EntityKind::NounChunk;
            record.spanStart = entity.span.first;
            record.spanEnd = entity.span.second;
            record.phrase = store::utf8Slice(result.caption, entity.span.first, entity.span.second);
            record.boxes = {detail.box};
            record.confidence = detail.confidence;
            record.source = store::EntitySource::Model;
            record.modelCheckpoint = checkpoint;
            record.modelPrompt = prompt;
            out.push_back(std::move(record));
        }
    }
    return out;
}

std::int64_t saveModelAnnotation(store::AnnotationStore& db, const ModelAnnotation& annotation) {
    const std::string checkpoint = annotation.checkpoint.toStdString();
    const std::string prompt = annotation.prompt.toStdString();
    const std::string& caption = annotation.result.caption;
    if (store::utf8Length(caption) < 0) throw Error(annotation.imagePath.toStdString() + ": the caption is not UTF-8");
    std::vector<store::EntityRecord> entities = modelEntities(annotation.result, checkpoint, prompt);

    store::ImageInfo image;
    if (const std::string problem = store::inspectImageFile(annotation.imagePath.toStdString(), true, image);
        !problem.empty()) {
        throw Error(annotation.imagePath.toStdString() + ": " + problem);
    }
    const std::string key = modelSampleKey(annotation.imagePath, annotation.prompt);
    const std::string actor = "model:" + checkpoint;

    store::Transaction transaction(db);
    std::optional<store::Sample> existing = store::getSampleByKey(db, key);
    store::Sample sample;
    if (existing) {
        if (existing->image && existing->image->path != image.path) {
            throw Error(db.path() + ": sample '" + key + "' belongs to another image (" + existing->image->path + ")");
        }
        if (holdsPrediction(*existing, caption, checkpoint, entities)) return existing->id;
        if (personTouched(*existing)) {
            throw Error(db.path() + ": sample '" + key + "' was reviewed or corrected; the model's new result for " +
                        image.path + " is not stored over it");
        }
        if (existing->caption == caption) {
            store::putModelPrediction(db, existing->id, checkpoint, prompt, std::move(entities));
            transaction.commit();
            return existing->id;
        }
        sample = std::move(*existing);
    } else {
        sample.key = key;
        sample.gritLists = store::kHasNounChunks;
        sample.sourceFile = image.path;
        sample.sourceLocation = "model " + checkpoint;
    }
    sample.caption = caption;
    sample.width = image.width;
    sample.height = image.height;
    if (!sample.image) sample.image = image;
    sample.entities = std::move(entities);
    store::putSample(db, sample, actor);
    transaction.commit();
    return sample.id;
}

} // namespace kosmos::ui
