#pragma once
// Every name of the annotation store that crosses a boundary: the SQL schema (tables, columns, the
// migrations that create them, the statements that use them) and the JSON keys of the formats read
// and written (GRIT, ODVG, COCO). Renaming a column or a key touches this file only.

namespace kosmos::store::schema {

// PRAGMA application_id of a workbench database: "KOSM".
inline constexpr int kApplicationId = 0x4B4F534D;

// Migrations: kMigrations[i] takes a database from user_version i to i + 1, inside one transaction.
// Timestamps are Unix milliseconds. entities.boxes holds n boxes [x0, y0, x1, y1] as 4n
// little-endian IEEE-754 doubles (exact, and cheap to write: an import writes millions). Every index
// costs each imported record a b-tree write, so entities live in their primary key (sample,
// position), samples carry the bit set of their entities' sources (1 imported, 2 model, 4 human)
// instead of an index, and CHECKs spell out `a = x OR a = y` (an IN list builds a temporary index
// on every insert).
inline constexpr const char* kMigration1 = R"SQL(
CREATE TABLE images(
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL UNIQUE,
  content_hash TEXT,
  byte_size INTEGER,
  width INTEGER,
  height INTEGER,
  format TEXT,
  thumbnail BLOB,
  added_ms INTEGER NOT NULL
);
CREATE TABLE samples(
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  grit_id INTEGER,
  url TEXT,
  caption TEXT NOT NULL,
  width INTEGER,
  height INTEGER,
  clip_similarity_vitb32 REAL,
  clip_similarity_vitl14 REAL,
  grit_lists INTEGER NOT NULL DEFAULT 3,
  extra_json TEXT,
  image_id INTEGER REFERENCES images(id) ON DELETE RESTRICT,
  split TEXT NOT NULL DEFAULT 'train' CHECK(split = 'train' OR split = 'validation' OR split = 'test'),
  review_state TEXT NOT NULL DEFAULT 'unreviewed' CHECK(review_state = 'unreviewed' OR
    review_state = 'corrected' OR review_state = 'accepted' OR review_state = 'rejected'),
  revision INTEGER NOT NULL DEFAULT 1,
  entity_count INTEGER NOT NULL DEFAULT 0,
  entity_sources INTEGER NOT NULL DEFAULT 0,
  min_model_confidence REAL,
  source_file TEXT,
  source_location TEXT,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL
);
CREATE TABLE entities(
  sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
  ordinal INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK(kind = 'noun_chunk' OR kind = 'ref_exp'),
  span_start INTEGER NOT NULL CHECK(span_start >= 0),
  span_end INTEGER NOT NULL CHECK(span_end > span_start),
  phrase TEXT NOT NULL,
  boxes BLOB NOT NULL CHECK(length(boxes) > 0 AND length(boxes) % 32 = 0),
  confidence REAL,
  source TEXT NOT NULL CHECK(source = 'imported' OR source = 'model' OR source = 'human'),
  model_checkpoint TEXT,
  model_prompt TEXT,
  author TEXT,
  PRIMARY KEY(sample_id, ordinal)
) WITHOUT ROWID;
CREATE TABLE changes(
  id INTEGER PRIMARY KEY,
  at_ms INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  sample_id INTEGER,
  sample_key TEXT,
  detail TEXT
);
)SQL";

// Indexes for browsing (sort by model confidence, per-sample history) and for the image reference.
inline constexpr const char* kMigration2 = R"SQL(
CREATE INDEX samples_by_confidence ON samples(min_model_confidence);
CREATE INDEX samples_by_image ON samples(image_id);
CREATE INDEX changes_by_sample ON changes(sample_id);
)SQL";

inline constexpr const char* kMigrations[] = {kMigration1, kMigration2};
inline constexpr int kSchemaVersion = sizeof(kMigrations) / sizeof(kMigrations[0]);

// Enum values as stored.
inline constexpr const char* kSplitNames[] = {"train", "validation", "test"};
inline constexpr const char* kReviewNames[] = {"unreviewed", "corrected", "accepted", "rejected"};
inline constexpr const char* kSourceNames[] = {"imported", "model", "human"};
inline constexpr const char* kKindNames[] = {"noun_chunk", "ref_exp"};

// Statements. The column order of kSampleColumns and kSelectEntities is what sample_rows.cpp reads.
namespace sql {
inline constexpr const char* kSelectUserTables =
    "SELECT count(*) FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'";

inline constexpr const char* kInsertImage =
    "INSERT INTO images(path, content_hash, byte_size, width, height, format, added_ms) "
    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)";
inline constexpr const char* kFindImageByPath = "SELECT id FROM images WHERE path = ?1";
inline constexpr const char* kSetThumbnail = "UPDATE images SET thumbnail = ?2 WHERE id = ?1";
inline constexpr const char* kSelectThumbnail = "SELECT thumbnail FROM images WHERE id = ?1";

inline constexpr const char* kSampleColumns =
    "s.id, s.key, s.grit_id, s.url, s.caption, s.width, s.height, s.clip_similarity_vitb32, "
    "s.clip_similarity_vitl14, s.grit_lists, s.extra_json, s.image_id, s.split, s.review_state, "
    "s.revision, s.source_file, s.source_location, s.created_ms, s.updated_ms, "
    "i.path, i.content_hash, i.byte_size, i.width, i.height, i.format, i.thumbnail IS NOT NULL";
inline constexpr const char* kSampleFrom = " FROM samples s LEFT JOIN images i ON i.id = s.image_id";
inline constexpr const char* kFindSampleByKey =
    "SELECT id, source_file, source_location FROM samples WHERE key = ?1";

inline constexpr const char* kInsertSample =
    "INSERT INTO samples(key, grit_id, url, caption, width, height, clip_similarity_vitb32, "
    "clip_similarity_vitl14, grit_lists, extra_json, image_id, split, review_state, revision, "
    "entity_count, entity_sources, min_model_confidence, source_file, source_location, created_ms, updated_ms) "
    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 1, ?14, ?19, ?15, ?16, ?17, ?18, ?18)";
inline constexpr const char* kUpdateSample =
    "UPDATE samples SET key = ?2, grit_id = ?3, url = ?4, caption = ?5, width = ?6, height = ?7, "
    "clip_similarity_vitb32 = ?8, clip_similarity_vitl14 = ?9, grit_lists = ?10, extra_json = ?11, "
    "image_id = ?12, split = ?13, review_state = ?14, revision = revision + 1, entity_count = ?15, "
    "min_model_confidence = ?16, updated_ms = ?17, entity_sources = ?18 WHERE id = ?1";
inline constexpr const char* kDeleteSample = "DELETE FROM samples WHERE id = ?1";
inline constexpr const char* kSetReview =
    "UPDATE samples SET review_state = ?2, revision = revision + 1, updated_ms = ?3 WHERE id = ?1";
inline constexpr const char* kSetSplit =
    "UPDATE samples SET split = ?2, revision = revision + 1, updated_ms = ?3 WHERE id = ?1";

inline constexpr const char* kSelectEntities =
    "SELECT sample_id, ordinal, kind, span_start, span_end, phrase, boxes, confidence, source, "
    "model_checkpoint, model_prompt, author FROM entities WHERE sample_id = ?1 ORDER BY ordinal";
inline constexpr const char* kInsertEntity =
    "INSERT INTO entities(sample_id, ordinal, kind, span_start, span_end, phrase, boxes, confidence, "
    "source, model_checkpoint, model_prompt, author) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
inline constexpr const char* kDeleteEntities = "DELETE FROM entities WHERE sample_id = ?1";

inline constexpr const char* kInsertChange =
    "INSERT INTO changes(at_ms, actor, action, sample_id, sample_key, detail) VALUES(?1, ?2, ?3, ?4, ?5, ?6)";
inline constexpr const char* kSelectSampleHistory =
    "SELECT id, at_ms, actor, action, sample_id, sample_key, detail FROM changes "
    "WHERE sample_id = ?1 ORDER BY id DESC LIMIT ?2";
inline constexpr const char* kSelectChangesSince =
    "SELECT id, at_ms, actor, action, sample_id, sample_key, detail FROM changes "
    "WHERE id > ?1 ORDER BY id LIMIT ?2";
inline constexpr const char* kLastChangeId = "SELECT coalesce(max(id), 0) FROM changes";
inline constexpr const char* kNextSampleWithReview =
    "SELECT id FROM samples WHERE review_state = ?1 AND id > ?2 ORDER BY id LIMIT 1";

// Paged browsing: a WHERE clause is assembled from these fragments (sample_repository.cpp).
inline constexpr const char* kRowColumns =
    "s.id, s.key, s.caption, s.split, s.review_state, s.entity_count, s.min_model_confidence, "
    "i.path, s.updated_ms, s.revision";
inline constexpr const char* kWhereSplit = "s.split = ?";
inline constexpr const char* kWhereReview = "s.review_state = ?";
inline constexpr const char* kWhereSourceBit = "(s.entity_sources & ?) != 0";
inline constexpr const char* kWhereCaptionContains = "instr(s.caption, ?) > 0";
inline constexpr const char* kWhereCaptionContainsNoCase = "instr(lower(s.caption), lower(?)) > 0";
inline constexpr const char* kWhereConfidenceBelow = "s.min_model_confidence < ?";
// Counts per split, review state and source bit (1 imported, 2 model, 4 human) in one pass.
inline constexpr const char* kSampleFacets =
    "SELECT count(*), "
    "coalesce(sum(s.split = 'train'), 0), coalesce(sum(s.split = 'validation'), 0), "
    "coalesce(sum(s.split = 'test'), 0), "
    "coalesce(sum(s.review_state = 'unreviewed'), 0), coalesce(sum(s.review_state = 'corrected'), 0), "
    "coalesce(sum(s.review_state = 'accepted'), 0), coalesce(sum(s.review_state = 'rejected'), 0), "
    "coalesce(sum((s.entity_sources & 1) != 0), 0), coalesce(sum((s.entity_sources & 2) != 0), 0), "
    "coalesce(sum((s.entity_sources & 4) != 0), 0) FROM samples s";
inline constexpr const char* kOrderById = "s.id";
inline constexpr const char* kOrderByKey = "s.key";
// With kNullsLast after the direction: samples without a model confidence last, an order the
// samples_by_confidence index serves (an "IS NULL" term first would sort every row).
inline constexpr const char* kOrderByConfidence = "s.min_model_confidence";
inline constexpr const char* kNullsLast = " NULLS LAST";
// A page is found on ids alone (the skipped rows are neither joined nor carried through the sort),
// then its rows are read: "SELECT <kRowColumns> FROM (SELECT s.id AS page_id FROM samples s <where>
// ORDER BY <order> LIMIT ? OFFSET ?) <kPageRowsJoin> ORDER BY <order>".
inline constexpr const char* kPageIdsSelect = " FROM (SELECT s.id AS page_id FROM samples s";
inline constexpr const char* kPageRowsJoin =
    ") page JOIN samples s ON s.id = page.page_id LEFT JOIN images i ON i.id = s.image_id";
inline constexpr const char* kOrderByUpdated = "s.updated_ms";
inline constexpr const char* kOrderByEntityCount = "s.entity_count";

// Statistics and checks (store_stats.cpp).
inline constexpr const char* kCountSamples = "SELECT count(*) FROM samples";
inline constexpr const char* kCountImages = "SELECT count(*) FROM images";
inline constexpr const char* kCountEntitiesAndBoxes =
    "SELECT count(*), coalesce(sum(length(boxes) / 32), 0) FROM entities";
inline constexpr const char* kCountChanges = "SELECT count(*) FROM changes";
inline constexpr const char* kSamplesBySplit = "SELECT split, count(*) FROM samples GROUP BY split";
inline constexpr const char* kSamplesByReview =
    "SELECT review_state, count(*) FROM samples GROUP BY review_state";
inline constexpr const char* kEntitiesBySource = "SELECT source, count(*) FROM entities GROUP BY source";
inline constexpr const char* kSamplesBySource =
    "SELECT source, count(DISTINCT sample_id) FROM entities GROUP BY source";
inline constexpr const char* kEntitiesPerSample =
    "SELECT entity_count, count(*) FROM samples GROUP BY entity_count ORDER BY entity_count";
inline constexpr const char* kSamplesWithoutImage = "SELECT count(*) FROM samples WHERE image_id IS NULL";
inline constexpr const char* kAllImages = "SELECT id, path, content_hash, byte_size FROM images ORDER BY id";
inline constexpr const char* kOrphanImages =
    "SELECT id, path FROM images i WHERE NOT EXISTS(SELECT 1 FROM samples s WHERE s.image_id = i.id) "
    "ORDER BY id";
inline constexpr const char* kStaleCounters =
    "SELECT s.id, s.key FROM samples s WHERE s.entity_count != "
    "(SELECT count(*) FROM entities e WHERE e.sample_id = s.id) OR s.entity_sources != "
    "(SELECT coalesce(sum(DISTINCT CASE e.source WHEN 'imported' THEN 1 WHEN 'model' THEN 2 ELSE 4 END), 0) "
    "FROM entities e WHERE e.sample_id = s.id) ORDER BY s.id";

// Export: samples in id order with their entities merged in (two cursors, sample_cursor.cpp).
inline constexpr const char* kExportEntities =
    "SELECT e.sample_id, e.ordinal, e.kind, e.span_start, e.span_end, e.phrase, e.boxes, "
    "e.confidence, e.source, e.model_checkpoint, e.model_prompt, e.author "
    "FROM entities e JOIN samples s ON s.id = e.sample_id";
} // namespace sql

} // namespace kosmos::store::schema

// JSON keys of the GRIT annotation format (GrIT-20M) and the project's `image` extension.
namespace kosmos::grit {
inline constexpr const char* kKey = "key";
inline constexpr const char* kId = "id";
inline constexpr const char* kUrl = "url";
inline constexpr const char* kCaption = "caption";
inline constexpr const char* kWidth = "width";
inline constexpr const char* kHeight = "height";
inline constexpr const char* kClipVitB32 = "clip_similarity_vitb32";
inline constexpr const char* kClipVitL14 = "clip_similarity_vitl14";
inline constexpr const char* kNounChunks = "noun_chunks";
inline constexpr const char* kRefExps = "ref_exps";
inline constexpr const char* kImage = "image";
} // namespace kosmos::grit

// ODVG (Open-GroundingDino's grounding JSONL) keys.
namespace kosmos::odvg {
inline constexpr const char* kFilename = "filename";
inline constexpr const char* kWidth = "width";
inline constexpr const char* kHeight = "height";
inline constexpr const char* kGrounding = "grounding";
inline constexpr const char* kCaption = "caption";
inline constexpr const char* kRegions = "regions";
inline constexpr const char* kBbox = "bbox";
inline constexpr const char* kPhrase = "phrase";
} // namespace kosmos::odvg

// COCO (MDETR-style grounding) keys.
namespace kosmos::coco {
inline constexpr const char* kImages = "images";
inline constexpr const char* kAnnotations = "annotations";
inline constexpr const char* kCategories = "categories";
inline constexpr const char* kId = "id";
inline constexpr const char* kFileName = "file_name";
inline constexpr const char* kWidth = "width";
inline constexpr const char* kHeight = "height";
inline constexpr const char* kCaption = "caption";
inline constexpr const char* kGritKey = "grit_key";
inline constexpr const char* kImageId = "image_id";
inline constexpr const char* kBbox = "bbox";
inline constexpr const char* kArea = "area";
inline constexpr const char* kIsCrowd = "iscrowd";
inline constexpr const char* kCategoryId = "category_id";
inline constexpr const char* kTokensPositive = "tokens_positive";
inline constexpr const char* kPhrase = "phrase";
inline constexpr const char* kKind = "kind";
inline constexpr const char* kName = "name";
inline constexpr const char* kSupercategory = "supercategory";
} // namespace kosmos::coco
