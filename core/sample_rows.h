#pragma once
// Row <-> struct mapping of samples and entities, shared by the repository, the importer and the
// exporters. These run inside the caller's transaction and record no history.
#include <cstdint>
#include <optional>

#include "core/sample.h"
#include "core/store.h"

namespace kosmos::store {

// Reads a row selected with schema::sql::kSampleColumns (images joined).
void readSampleColumns(const Statement& row, Sample& out);
// Reads a row selected like schema::sql::kSelectEntities (column 0 is the sample id).
void readEntityColumns(const Statement& row, EntityRecord& out);

// Inserts the sample row and its entities; fills sample.id, revision and timestamps.
void insertSampleRows(AnnotationStore& store, Sample& sample, std::int64_t atMs);
// Updates the sample row (revision + 1) and replaces its entities.
void updateSampleRows(AnnotationStore& store, Sample& sample, std::int64_t atMs);

// Boxes as stored: 4 little-endian doubles each. unpackBoxes is false for a size that is not a
// positive multiple of 32 bytes.
std::string packBoxes(const std::vector<Box>& boxes);
bool unpackBoxes(std::string_view bytes, std::vector<Box>& out);

std::optional<double> minModelConfidence(const Sample& sample);
// Bit set of the sources of the sample's entities: 1 imported, 2 model, 4 human.
std::int64_t entitySourceBits(const Sample& sample);
inline std::int64_t sourceBit(EntitySource source) { return std::int64_t(1) << static_cast<int>(source); }

} // namespace kosmos::store
