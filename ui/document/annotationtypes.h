#pragma once
// The pieces of a stored sample being edited: entities with an id that survives every edit, box
// references, and the typed change event every edit announces.
#include <QList>
#include <QMetaType>
#include <QtGlobal>

#include "core/sample.h"

namespace kosmos::ui {

// One grounded phrase being edited. `uid` stays with the entity through edits, undo and redo
// (selections and commands refer to it); it is not stored.
struct EditEntity {
    quint64 uid = 0;
    kosmos::store::EntityRecord record;
    bool spanCut = false;   // a caption edit cut through the phrase: the span needs a look

    bool linked() const { return record.spanEnd > record.spanStart; }
    // Only complete entities are stored (the store needs a span and at least one box).
    bool complete() const { return linked() && !record.boxes.empty(); }
};

// Box `box` of the entity (or suggestion) `uid`.
struct BoxRef {
    quint64 uid = 0;
    int box = 0;
    bool operator==(const BoxRef& other) const { return uid == other.uid && box == other.box; }
    bool operator!=(const BoxRef& other) const { return !(*this == other); }
};

struct AnnotationChange {
    enum class Kind { Opened, Closed, Boxes, Entities, Caption, Review, Suggestions };
    Kind kind = Kind::Boxes;
    QList<BoxRef> select;   // boxes an edit created or changed, for the views to select
};

} // namespace kosmos::ui

Q_DECLARE_METATYPE(kosmos::ui::AnnotationChange)
