#include "core/change_log.h"

#include <algorithm>

#include "core/store_schema.h"

namespace kosmos::store {

namespace {

std::vector<ChangeRecord> readChanges(Statement& statement) {
    std::vector<ChangeRecord> changes;
    while (statement.step()) {
        ChangeRecord change;
        change.id = statement.integer(0);
        change.atMs = statement.integer(1);
        change.actor = statement.text(2);
        change.action = statement.text(3);
        change.sampleId = statement.integer(4);
        change.sampleKey = statement.text(5);
        change.detail = statement.text(6);
        changes.push_back(std::move(change));
    }
    return changes;
}

} // namespace

std::int64_t recordChange(AnnotationStore& store, std::int64_t atMs, const std::string& actor, const char* action,
                          std::int64_t sampleId, const std::string& sampleKey, const std::string& detail) {
    StatementLease insert = store.db().cached(schema::sql::kInsertChange);
    insert->bind(1, atMs).bind(2, actor).bind(3, action);
    if (sampleId > 0) {
        insert->bind(4, sampleId);
    } else {
        insert->bindNull(4);
    }
    insert->bindOrNull(5, sampleKey).bindOrNull(6, detail);
    insert->run();
    return store.db().lastInsertId();
}

std::vector<ChangeRecord> sampleHistory(AnnotationStore& store, std::int64_t sampleId, int limit) {
    StatementLease query = store.db().cached(schema::sql::kSelectSampleHistory);
    query->bind(1, sampleId).bind(2, std::clamp(limit, 0, 100000));
    return readChanges(*query);
}

std::vector<ChangeRecord> changesSince(AnnotationStore& store, std::int64_t afterId, int limit) {
    StatementLease query = store.db().cached(schema::sql::kSelectChangesSince);
    query->bind(1, afterId).bind(2, std::clamp(limit, 0, 100000));
    return readChanges(*query);
}

} // namespace kosmos::store
