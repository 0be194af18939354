#include "ui/document/commands/editcaptioncommand.h"

#include <QCoreApplication>
#include <QString>

#include "ui/document/annotationdocument.h"
#include "ui/document/captionedit.h"

namespace kosmos::ui {

namespace {
std::u32string codePoints(const std::string& utf8) { return QString::fromStdString(utf8).toStdU32String(); }
} // namespace

EditCaptionCommand::EditCaptionCommand(AnnotationDocument* document, std::string caption, QUndoCommand* parent)
    : QUndoCommand(QCoreApplication::translate("Commands", "Edit Caption"), parent),
      mDocument(document),
      mCaption(std::move(caption)),
      mEntities(document->entities()) {
    if (kosmos::store::utf8Length(mCaption) < 0) mCaption = QString::fromUtf8(mCaption).toStdString();
    mEffective = mCaption != document->caption();
    const CaptionEdit edit = diffCaptions(codePoints(document->caption()), codePoints(mCaption));
    for (EditEntity& entity : mEntities) {
        kosmos::store::EntityRecord& record = entity.record;
        if (!entity.linked()) continue;
        const SpanUpdate update = updateSpan(record.spanStart, record.spanEnd, edit);
        record.spanStart = update.start;
        record.spanEnd = update.end;
        record.phrase = kosmos::store::utf8Slice(mCaption, update.start, update.end);
        if (update.cut) {
            entity.spanCut = true;
            ++mCut;
            if (update.end <= update.start) record.spanStart = record.spanEnd = 0;
        }
    }
}

void EditCaptionCommand::swap() {
    mDocument->swapCaption(mCaption);
    mDocument->swapEntities(mEntities);
    mDocument->announce({AnnotationChange::Kind::Caption, {}});
}

} // namespace kosmos::ui
