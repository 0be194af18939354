#pragma once
// The annotation being edited as the result the workbench's views show: entities in document order,
// then the model's suggestions. An index below suggestionOffset() is the document's entity of that
// index, the others are suggestions in order.
#include <QList>

#include "model/engine/engine.h"
#include "ui/document/annotationtypes.h"
#include "ui/document/entitylistmodel.h"

namespace kosmos::ui {

class AnnotationDocument;

struct AnnotationResult {
    kosmos::GenerationResult result;
    QList<EntityAnnotation> annotations;
    QList<quint64> uids;   // entity (or suggestion) uid of each result entity
};

AnnotationResult annotationResult(const AnnotationDocument& document);

} // namespace kosmos::ui
