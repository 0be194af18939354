#include "ui/document/commands/entitylistcommand.h"

#include <QString>

#include "ui/document/annotationdocument.h"

namespace kosmos::ui {

namespace {

bool sameEntities(const std::vector<EditEntity>& a, const std::vector<EditEntity>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const kosmos::store::EntityRecord& x = a[i].record;
        const kosmos::store::EntityRecord& y = b[i].record;
        if (a[i].uid != b[i].uid || a[i].spanCut != b[i].spanCut || x.spanStart != y.spanStart ||
            x.spanEnd != y.spanEnd || x.phrase != y.phrase || x.boxes != y.boxes || x.kind != y.kind ||
            x.source != y.source || x.confidence != y.confidence || x.author != y.author ||
            x.modelCheckpoint != y.modelCheckpoint || x.modelPrompt != y.modelPrompt)
            return false;
    }
    return true;
}

} // namespace

EntityListCommand::EntityListCommand(AnnotationDocument* document, const QString& text, QUndoCommand* parent)
    : QUndoCommand(text, parent), mDocument(document) {}

void EntityListCommand::setEdited(std::vector<EditEntity> edited) {
    mEffective = !sameEntities(edited, mDocument->entities());
    mEntities = std::move(edited);
}

void EntityListCommand::undo() { swap(false); }

void EntityListCommand::redo() { swap(true); }

void EntityListCommand::swap(bool redoing) {
    mDocument->swapEntities(mEntities);
    mDocument->announce({AnnotationChange::Kind::Entities, redoing ? mSelect : QList<BoxRef>{}});
}

kosmos::store::EntityRecord humanEntity(const AnnotationDocument& document, int spanStart, int spanEnd,
                                        std::vector<kosmos::Box> boxes) {
    kosmos::store::EntityRecord record;
    record.kind = kosmos::store::EntityKind::NounChunk;
    record.spanStart = spanStart;
    record.spanEnd = spanEnd;
    record.phrase = spanEnd > spanStart ? document.phraseOf(spanStart, spanEnd) : std::string();
    record.boxes = std::move(boxes);
    record.source = kosmos::store::EntitySource::Human;
    record.author = document.author();
    return record;
}

} // namespace kosmos::ui
