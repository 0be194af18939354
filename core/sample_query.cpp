// Paged browsing of samples (sample_repository.h): a WHERE clause built from the filter's fragments.
#include <algorithm>
#include <variant>

#include "core/sample_repository.h"
#include "core/sample_rows.h"
#include "core/store_schema.h"

namespace kosmos::store {

namespace {

struct Where {
    std::string clause;
    std::vector<std::variant<std::string, std::int64_t, double>> values;
};

Where buildWhere(const SampleFilter& filter) {
    Where where;
    const auto add = [&](const char* fragment, std::variant<std::string, std::int64_t, double> value) {
        where.clause += where.clause.empty() ? " WHERE " : " AND ";
        where.clause += fragment;
        where.values.push_back(std::move(value));
    };
    if (filter.split) add(schema::sql::kWhereSplit, std::string(toString(*filter.split)));
    if (filter.review) add(schema::sql::kWhereReview, std::string(toString(*filter.review)));
    if (filter.hasSource) add(schema::sql::kWhereSourceBit, sourceBit(*filter.hasSource));
    if (!filter.captionContains.empty()) {
        add(filter.captionIgnoreCase ? schema::sql::kWhereCaptionContainsNoCase : schema::sql::kWhereCaptionContains,
            filter.captionContains);
    }
    if (filter.modelConfidenceBelow) add(schema::sql::kWhereConfidenceBelow, *filter.modelConfidenceBelow);
    return where;
}

const char* orderColumn(SampleSort sort) {
    switch (sort) {
    case SampleSort::Key: return schema::sql::kOrderByKey;
    case SampleSort::LowestModelConfidence: return schema::sql::kOrderByConfidence;
    case SampleSort::RecentlyUpdated: return schema::sql::kOrderByUpdated;
    case SampleSort::EntityCount: return schema::sql::kOrderByEntityCount;
    case SampleSort::Id: break;
    }
    return schema::sql::kOrderById;
}

void bindValues(Statement& statement, const Where& where, int& index) {
    for (const auto& value : where.values) {
        std::visit([&](const auto& v) { statement.bind(index++, v); }, value);
    }
}

// "<column> [DESC] [NULLS LAST], s.id [DESC]": samples without a model confidence stay last either way.
std::string orderBy(const PageRequest& request) {
    std::string order = orderColumn(request.sort);
    if (request.descending) order += " DESC";
    if (request.sort == SampleSort::LowestModelConfidence) order += schema::sql::kNullsLast;
    if (request.sort != SampleSort::Id) order += request.descending ? ", s.id DESC" : ", s.id";
    return order;
}

} // namespace

std::vector<SampleRow> querySamples(AnnotationStore& store, const PageRequest& request) {
    const Where where = buildWhere(request.filter);
    const std::string order = orderBy(request);
    const std::string sql = std::string("SELECT ") + schema::sql::kRowColumns + schema::sql::kPageIdsSelect +
                            where.clause + " ORDER BY " + order + " LIMIT ? OFFSET ?" + schema::sql::kPageRowsJoin +
                            " ORDER BY " + order;
    StatementLease query = store.db().cached(sql);
    int index = 1;
    bindValues(*query, where, index);
    query->bind(index++, static_cast<std::int64_t>(std::clamp(request.limit, 0, 10000)));
    query->bind(index, std::max<std::int64_t>(0, request.offset));
    std::vector<SampleRow> rows;
    while (query->step()) {
        SampleRow row;
        row.id = query->integer(0);
        row.key = query->text(1);
        row.caption = query->text(2);
        parseSplit(query->text(3), row.split);
        parseReviewState(query->text(4), row.review);
        row.entityCount = static_cast<int>(query->integer(5));
        row.minModelConfidence = query->optionalReal(6);
        row.imagePath = query->text(7);
        row.updatedMs = query->integer(8);
        row.revision = query->integer(9);
        rows.push_back(std::move(row));
    }
    return rows;
}

std::int64_t countSamples(AnnotationStore& store, const SampleFilter& filter) {
    const Where where = buildWhere(filter);
    StatementLease query = store.db().cached(std::string("SELECT count(*) FROM samples s") + where.clause);
    int index = 1;
    bindValues(*query, where, index);
    return query->step() ? query->integer(0) : 0;
}

SampleFacets countFacets(AnnotationStore& store) {
    SampleFacets facets;
    StatementLease query = store.db().cached(schema::sql::kSampleFacets);
    if (!query->step()) return facets;
    facets.total = query->integer(0);
    int column = 1;
    for (Split split : {Split::Train, Split::Validation, Split::Test}) facets.bySplit[split] = query->integer(column++);
    for (ReviewState state : {ReviewState::Unreviewed, ReviewState::Corrected, ReviewState::Accepted, ReviewState::Rejected})
        facets.byReview[state] = query->integer(column++);
    for (EntitySource source : {EntitySource::Imported, EntitySource::Model, EntitySource::Human})
        facets.bySource[source] = query->integer(column++);
    return facets;
}

} // namespace kosmos::store
