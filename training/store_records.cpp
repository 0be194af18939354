// The annotation store as a training / evaluation source.

#include "core/grit_codec.h"
#include "core/sample_repository.h"
#include "core/store.h"
#include "model/error.h"
#include "training/grounded_record.h"

namespace kosmos::training {

std::vector<GroundedRecord> readStoreRecords(const StoreQuery& query, ReadReport& report) {
    store::SampleFilter filter;
    if (query.split) {
        store::Split split;
        if (!store::parseSplit(*query.split, split))
            throw Error("unknown split '" + *query.split + "' (train, validation, test)");
        filter.split = split;
    }
    if (query.review) {
        store::ReviewState review;
        if (!store::parseReviewState(*query.review, review))
            throw Error("unknown review state '" + *query.review + "' (unreviewed, corrected, accepted, rejected)");
        filter.review = review;
    }
    if (query.source) {
        store::EntitySource source;
        if (!store::parseEntitySource(*query.source, source))
            throw Error("unknown entity source '" + *query.source + "' (imported, model, human)");
        filter.hasSource = source;
    }
    store::AnnotationStore::Options options;
    options.readOnly = true;
    options.create = false;
    store::AnnotationStore db(query.dbPath, options);

    std::vector<GroundedRecord> records;
    store::PageRequest page;
    page.filter = filter;
    page.limit = 1000;
    for (;;) {
        const std::vector<store::SampleRow> rows = store::querySamples(db, page);
        for (const store::SampleRow& row : rows) {
            if (!query.review && row.review == store::ReviewState::Rejected) continue;
            std::optional<store::Sample> sample = store::getSample(db, row.id);
            if (!sample) continue;   // deleted meanwhile
            ++report.records;
            const std::string location = query.dbPath + " sample " + std::to_string(row.id) + " (" + sample->key + ")";
            GroundedRecord record;
            record.key = sample->key;
            record.caption = sample->caption;
            record.location = location;
            record.imagePath = sample->image ? sample->image->path : std::string();
            std::vector<RawEntry> nouns, refs;
            for (const store::EntityRecord* e : store::effectiveEntities(*sample, {})) {
                for (const Box& box : e->boxes) {
                    RawEntry raw{e->spanStart, e->spanEnd, box};
                    (e->kind == store::EntityKind::NounChunk ? nouns : refs).push_back(raw);
                }
            }
            std::vector<std::string> notes;
            record.nounChunks = groupEntries(record.caption, nouns, "noun_chunks", notes, false);
            record.refExps = groupEntries(record.caption, refs, "ref_exps", notes, true);
            if (record.refExps.empty()) record.refExps = record.nounChunks;
            for (const auto& n : notes) {
                ++report.droppedEntities;
                report.note(location + ": " + n + " (entity left out)");
            }
            std::string problem;
            if (record.imagePath.empty()) problem = "no image";
            else if (query.requireImage) problem = imageFileProblem(record.imagePath);
            if (problem.empty() && record.nounChunks.empty() && record.refExps.empty())
                problem = "no usable box (every entity was invalid or there were none)";
            if (!problem.empty()) {
                ++report.skipped;
                report.note(location + ": skipped, " + problem);
                continue;
            }
            records.push_back(std::move(record));
            ++report.kept;
            if (query.limit && records.size() >= query.limit) return records;
        }
        if (rows.size() < static_cast<std::size_t>(page.limit)) break;
        page.offset += page.limit;
    }
    return records;
}

} // namespace kosmos::training
