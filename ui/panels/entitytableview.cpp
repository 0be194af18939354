#include "ui/panels/entitytableview.h"

#include <QHeaderView>
#include <QMouseEvent>

#include "ui/document/entityfiltermodel.h"
#include "ui/document/entitylistmodel.h"
#include "ui/document/resultdocument.h"

namespace kosmos::ui {

EntityTableView::EntityTableView(ResultDocument* document, QWidget* parent)
    : QTableView(parent), mDocument(document) {
    setObjectName(QStringLiteral("entityTable"));
    setModel(document->visibleEntities());
    setSelectionModel(document->selection());
    setSelectionBehavior(SelectRows);
    setSelectionMode(ExtendedSelection);
    setMouseTracking(true);
    horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);   // result order until the user sorts
    setSortingEnabled(true);
    setAlternatingRowColors(true);
    setWordWrap(false);
    setEditTriggers(NoEditTriggers);
    verticalHeader()->hide();
    verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    horizontalHeader()->setSectionResizeMode(EntityListModel::PhraseColumn, QHeaderView::Stretch);
    horizontalHeader()->setSectionResizeMode(EntityListModel::BoxColumn, QHeaderView::ResizeToContents);
    horizontalHeader()->setSectionResizeMode(EntityListModel::ConfidenceColumn, QHeaderView::ResizeToContents);
    horizontalHeader()->setHighlightSections(false);
}

void EntityTableView::mouseMoveEvent(QMouseEvent* event) {
    const QModelIndex index = indexAt(event->position().toPoint());
    mDocument->entities()->setHoveredEntity(index.isValid() ? index.data(EntityListModel::EntityIndexRole).toInt() : -1);
    QTableView::mouseMoveEvent(event);
}

void EntityTableView::leaveEvent(QEvent* event) {
    mDocument->entities()->setHoveredEntity(-1);
    QTableView::leaveEvent(event);
}

} // namespace kosmos::ui
