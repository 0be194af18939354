#include "ui/review/samplehistoryview.h"

#include <QDateTime>

#include "core/change_log.h"
#include "core/store.h"
#include "model/error.h"

namespace kosmos::ui {

SampleHistoryView::SampleHistoryView(QWidget* parent) : QListWidget(parent) {
    setObjectName(QStringLiteral("sampleHistory"));
    setSelectionMode(NoSelection);
    setAlternatingRowColors(true);
}

void SampleHistoryView::showHistory(const std::shared_ptr<kosmos::store::AnnotationStore>& store, qint64 sampleId) {
    clear();
    if (!store || sampleId <= 0) return;
    std::vector<kosmos::store::ChangeRecord> history;
    try {
        history = kosmos::store::sampleHistory(*store, sampleId, kShown);
    } catch (const Error& e) {
        addItem(tr("History not available: %1").arg(QString::fromStdString(e.what())));
        return;
    }
    for (const kosmos::store::ChangeRecord& change : history) {
        const QString when = QDateTime::fromMSecsSinceEpoch(change.atMs).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
        auto* item = new QListWidgetItem(tr("%1 · %2 · %3").arg(when, QString::fromStdString(change.actor),
                                                                QString::fromStdString(change.action)),
                                         this);
        item->setToolTip(QString::fromStdString(change.detail).left(2000));
    }
}

} // namespace kosmos::ui
