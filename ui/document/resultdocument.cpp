#include "ui/document/resultdocument.h"

#include <QItemSelectionModel>

#include "ui/document/entityfiltermodel.h"
#include "ui/document/entitylistmodel.h"

namespace kosmos::ui {

ResultDocument::ResultDocument(QObject* parent)
    : QObject(parent),
      mEntities(new EntityListModel(this)),
      mVisible(new EntityFilterModel(this)),
      mSelection(new QItemSelectionModel(mVisible, this)) {
    mVisible->setSourceModel(mEntities);
}

void ResultDocument::setImage(const QImage& image, const QString& path, const QString& title) {
    mImage = image;
    mImagePath = path;
    mTitle = title;
    mPartialText.clear();
    mQueryBox.reset();
    mResultPrompt.clear();
    mEntities->clear();
    emit imageChanged();
    emit queryBoxChanged();
    emit resultChanged();
}

void ResultDocument::setResult(const kosmos::GenerationResult& result, const QString& prompt) {
    mResultPrompt = prompt;
    mPartialText.clear();
    mEntities->setResult(result, mImage.size());
    emit resultChanged();
}

void ResultDocument::setAnnotatedResult(const kosmos::GenerationResult& result,
                                        const QList<EntityAnnotation>& annotations) {
    mResultPrompt.clear();
    mPartialText.clear();
    mEntities->setAnnotatedResult(result, mImage.size(), annotations);
    emit resultChanged();
}

bool ResultDocument::isAnnotation() const { return mEntities->isAnnotation(); }

void ResultDocument::clearResult() {
    mResultPrompt.clear();
    mEntities->clear();
    emit resultChanged();
}

bool ResultDocument::hasResult() const { return mEntities->hasResult(); }

const kosmos::GenerationResult& ResultDocument::result() const { return mEntities->result(); }

void ResultDocument::setRunning(bool running) {
    if (running == mRunning) return;
    mRunning = running;
    emit runningChanged(running);
}

void ResultDocument::setPartialText(const QString& text) {
    mPartialText = text;
    emit partialTextChanged(text);
}

void ResultDocument::setQueryBox(const std::optional<QRectF>& box) {
    mQueryBox = box;
    emit queryBoxChanged();
}

QList<int> ResultDocument::selectedSourceRows() const {
    QList<int> rows;
    const QModelIndexList selected = mSelection->selectedRows();
    for (const QModelIndex& index : selected) rows.append(mVisible->mapToSource(index).row());
    return rows;
}

QSet<int> ResultDocument::selectedEntities() const {
    QSet<int> entities;
    const QList<int> rows = selectedSourceRows();
    for (int row : rows) entities.insert(mEntities->entityOfRow(row));
    return entities;
}

int ResultDocument::currentSourceRow() const {
    const QModelIndex current = mSelection->currentIndex();
    if (!current.isValid()) return -1;
    const int row = mVisible->mapToSource(current).row();
    return mSelection->isRowSelected(current.row(), current.parent()) ? row : -1;
}

void ResultDocument::selectSourceRow(int sourceRow) {
    const QModelIndex index = mVisible->mapFromSource(mEntities->index(sourceRow, 0));
    if (!index.isValid()) {
        clearSelection();
        return;
    }
    mSelection->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
}

void ResultDocument::selectEntity(int entity) {
    QItemSelection selection;
    QModelIndex first;
    const QList<int> rows = mEntities->rowsOfEntity(entity);
    for (int row : rows) {
        const QModelIndex index = mVisible->mapFromSource(mEntities->index(row, 0));
        if (!index.isValid()) continue;
        if (!first.isValid()) first = index;
        selection.select(index, index);
    }
    if (!first.isValid()) {
        clearSelection();
        return;
    }
    mSelection->select(selection, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    mSelection->setCurrentIndex(first, QItemSelectionModel::NoUpdate);
}

void ResultDocument::clearSelection() {
    mSelection->clearSelection();
    mSelection->setCurrentIndex({}, QItemSelectionModel::NoUpdate);
}

} // namespace kosmos::ui
