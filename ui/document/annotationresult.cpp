#include "ui/document/annotationresult.h"

#include "ui/document/annotationdocument.h"

namespace kosmos::ui {

namespace {

void append(AnnotationResult& out, const EditEntity& entity, bool suggestion) {
    const kosmos::store::EntityRecord& record = entity.record;
    kosmos::GroundedEntity grounded;
    grounded.phrase = record.phrase;
    grounded.span = entity.linked() ? std::pair<int, int>(record.spanStart, record.spanEnd) : std::pair<int, int>(0, 0);
    for (const kosmos::Box& box : record.boxes) {
        kosmos::BoxDetail detail;
        detail.box = box;
        // Entities without a score pass every confidence filter.
        detail.confidence = record.confidence.value_or(1.0);
        grounded.boxes.push_back(std::move(detail));
    }
    out.result.entities.push_back(std::move(grounded));
    EntityAnnotation info;
    info.suggestion = suggestion;
    info.spanCut = entity.spanCut;
    info.linked = entity.linked();
    info.hasConfidence = record.confidence.has_value();
    info.refExp = record.kind == kosmos::store::EntityKind::RefExp;
    info.source = QString::fromLatin1(kosmos::store::toString(record.source));
    out.annotations.append(info);
    out.uids.append(entity.uid);
}

} // namespace

AnnotationResult annotationResult(const AnnotationDocument& document) {
    AnnotationResult out;
    out.result.caption = document.caption();
    out.result.stoppedBy = "stored";
    for (const EditEntity& entity : document.entities()) append(out, entity, false);
    for (const EditEntity& suggestion : document.suggestions()) append(out, suggestion, true);
    return out;
}

} // namespace kosmos::ui
