#include "core/sample_rows.h"

#include <cstring>

#include "core/store_schema.h"
#include "model/error.h"

namespace kosmos::store {

namespace {

// "sample 12" (a sample row, its id first) and "sample 12 entity 3" (an entity row: sample id, index).
std::string sampleRecord(const Statement& row) { return "sample " + std::to_string(row.integer(0)); }
std::string entityRecord(const Statement& row) {
    return "sample " + std::to_string(row.integer(0)) + " entity " + std::to_string(row.integer(1));
}

// A value no version of the store writes means damage; `record` names the row only then.
template <typename Enum>
Enum readEnum(const Statement& row, int column, bool (*parse)(const std::string&, Enum&), const char* what,
              std::string (*record)(const Statement&)) {
    Enum value{};
    if (!parse(row.text(column), value))
        throw Error(row.databasePath() + ": " + record(row) + ": stored " + what + " '" + row.text(column) +
                    "' unknown (a damaged database file?)");
    return value;
}

void insertEntities(AnnotationStore& store, Sample& sample) {
    StatementLease insert = store.db().cached(schema::sql::kInsertEntity);
    for (std::size_t i = 0; i < sample.entities.size(); ++i) {
        const EntityRecord& entity = sample.entities[i];
        const std::string boxes = packBoxes(entity.boxes);
        insert->bind(1, sample.id)
            .bind(2, static_cast<std::int64_t>(i))
            .bind(3, toString(entity.kind))
            .bind(4, entity.spanStart)
            .bind(5, entity.spanEnd)
            .bind(6, entity.phrase)
            .bindBlob(7, boxes.data(), boxes.size())
            .bind(8, entity.confidence)
            .bind(9, toString(entity.source))
            .bindOrNull(10, entity.modelCheckpoint)
            .bindOrNull(11, entity.modelPrompt)
            .bindOrNull(12, entity.author);
        insert->run();
    }
}

std::optional<std::int64_t> imageId(const Sample& sample) {
    if (sample.image && sample.image->id > 0) return sample.image->id;
    return std::nullopt;
}

} // namespace

std::optional<double> minModelConfidence(const Sample& sample) {
    std::optional<double> lowest;
    for (const EntityRecord& entity : sample.entities) {
        if (entity.source == EntitySource::Model && entity.confidence) {
            lowest = lowest ? std::min(*lowest, *entity.confidence) : *entity.confidence;
        }
    }
    return lowest;
}

std::string packBoxes(const std::vector<Box>& boxes) {
    std::string out(boxes.size() * 32, '\0');
    char* p = out.data();
    for (const Box& box : boxes) {
        for (double v : box) {
            std::uint64_t bits = 0;
            std::memcpy(&bits, &v, 8);
            for (int i = 0; i < 8; ++i) *p++ = static_cast<char>(bits >> (8 * i));
        }
    }
    return out;
}

bool unpackBoxes(std::string_view bytes, std::vector<Box>& out) {
    out.clear();
    if (bytes.empty() || bytes.size() % 32 != 0) return false;
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    out.resize(bytes.size() / 32);
    for (Box& box : out) {
        for (double& v : box) {
            std::uint64_t bits = 0;
            for (int i = 0; i < 8; ++i) bits |= std::uint64_t(*p++) << (8 * i);
            std::memcpy(&v, &bits, 8);
        }
    }
    return true;
}

std::int64_t entitySourceBits(const Sample& sample) {
    std::int64_t bits = 0;
    for (const EntityRecord& entity : sample.entities) bits |= sourceBit(entity.source);
    return bits;
}

void readSampleColumns(const Statement& row, Sample& out) {
    out.id = row.integer(0);
    out.key = row.text(1);
    out.gritId = row.optionalInteger(2);
    out.url = row.optionalText(3);
    out.caption = row.text(4);
    out.width = row.optionalInteger(5);
    out.height = row.optionalInteger(6);
    out.clipSimilarityVitB32 = row.optionalReal(7);
    out.clipSimilarityVitL14 = row.optionalReal(8);
    out.gritLists = static_cast<unsigned>(row.integer(9));
    out.extraJson = row.text(10);
    out.image.reset();
    if (!row.isNull(11)) {
        ImageInfo& image = out.image.emplace();
        image.id = row.integer(11);
        image.path = row.text(19);
        image.contentHash = row.text(20);
        image.byteSize = row.integer(21);
        image.width = static_cast<int>(row.integer(22));
        image.height = static_cast<int>(row.integer(23));
        image.format = row.text(24);
        image.hasThumbnail = row.integer(25) != 0;
    }
    out.split = readEnum(row, 12, parseSplit, "split", sampleRecord);
    out.review = readEnum(row, 13, parseReviewState, "review state", sampleRecord);
    out.revision = row.integer(14);
    out.sourceFile = row.text(15);
    out.sourceLocation = row.text(16);
    out.createdMs = row.integer(17);
    out.updatedMs = row.integer(18);
    out.entities.clear();
}

void readEntityColumns(const Statement& row, EntityRecord& out) {
    out.kind = readEnum(row, 2, parseEntityKind, "entity kind", entityRecord);
    out.spanStart = static_cast<int>(row.integer(3));
    out.spanEnd = static_cast<int>(row.integer(4));
    out.phrase = row.text(5);
    if (!unpackBoxes(row.blobView(6), out.boxes))
        throw Error(row.databasePath() + ": " + entityRecord(row) + ": stored boxes are damaged");
    out.confidence = row.optionalReal(7);
    out.source = readEnum(row, 8, parseEntitySource, "entity source", entityRecord);
    out.modelCheckpoint = row.text(9);
    out.modelPrompt = row.text(10);
    out.author = row.text(11);
}

void insertSampleRows(AnnotationStore& store, Sample& sample, std::int64_t atMs) {
    {
        StatementLease insert = store.db().cached(schema::sql::kInsertSample);
        insert->bind(1, sample.key)
            .bind(2, sample.gritId)
            .bind(3, sample.url)
            .bind(4, sample.caption)
            .bind(5, sample.width)
            .bind(6, sample.height)
            .bind(7, sample.clipSimilarityVitB32)
            .bind(8, sample.clipSimilarityVitL14)
            .bind(9, static_cast<std::int64_t>(sample.gritLists))
            .bindOrNull(10, sample.extraJson)
            .bind(11, imageId(sample))
            .bind(12, toString(sample.split))
            .bind(13, toString(sample.review))
            .bind(14, static_cast<std::int64_t>(sample.entities.size()))
            .bind(15, minModelConfidence(sample))
            .bindOrNull(16, sample.sourceFile)
            .bindOrNull(17, sample.sourceLocation)
            .bind(18, atMs)
            .bind(19, entitySourceBits(sample));
        insert->run();
    }
    sample.id = store.db().lastInsertId();
    sample.revision = 1;
    sample.createdMs = atMs;
    sample.updatedMs = atMs;
    insertEntities(store, sample);
}

void updateSampleRows(AnnotationStore& store, Sample& sample, std::int64_t atMs) {
    {
        StatementLease update = store.db().cached(schema::sql::kUpdateSample);
        update->bind(1, sample.id)
            .bind(2, sample.key)
            .bind(3, sample.gritId)
            .bind(4, sample.url)
            .bind(5, sample.caption)
            .bind(6, sample.width)
            .bind(7, sample.height)
            .bind(8, sample.clipSimilarityVitB32)
            .bind(9, sample.clipSimilarityVitL14)
            .bind(10, static_cast<std::int64_t>(sample.gritLists))
            .bindOrNull(11, sample.extraJson)
            .bind(12, imageId(sample))
            .bind(13, toString(sample.split))
            .bind(14, toString(sample.review))
            .bind(15, static_cast<std::int64_t>(sample.entities.size()))
            .bind(16, minModelConfidence(sample))
            .bind(17, atMs)
            .bind(18, entitySourceBits(sample));
        update->run();
    }
    if (store.db().changes() != 1) throw Error(store.path() + ": sample " + std::to_string(sample.id) + " not found");
    sample.revision += 1;
    sample.updatedMs = atMs;
    {
        StatementLease remove = store.db().cached(schema::sql::kDeleteEntities);
        remove->bind(1, sample.id);
        remove->run();
    }
    insertEntities(store, sample);
}

} // namespace kosmos::store
