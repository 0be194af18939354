#include "ui/review/suggestionlist.h"

#include <QAction>
#include <QDir>
#include <QFileInfo>
#include <QGridLayout>
#include <QListWidget>
#include <QToolButton>
#include <QVBoxLayout>

#include "ui/document/annotationdocument.h"
#include "ui/document/entitylistmodel.h"
#include "ui/review/editactions.h"

namespace kosmos::ui {

namespace {
constexpr int kUidRole = Qt::UserRole + 1;

QToolButton* button(QAction* action, QWidget* parent) {
    auto* b = new QToolButton(parent);
    b->setDefaultAction(action);
    b->setToolButtonStyle(Qt::ToolButtonTextOnly);
    b->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    return b;
}
} // namespace

SuggestionList::SuggestionList(AnnotationDocument* document, EditActions* actions, QWidget* parent)
    : QWidget(parent), mDocument(document), mList(new QListWidget(this)) {
    setObjectName(QStringLiteral("suggestionList"));
    mList->setSelectionMode(QAbstractItemView::ExtendedSelection);
    mList->setMinimumHeight(60);
    auto* buttons = new QGridLayout;
    buttons->addWidget(button(actions->suggest, this), 0, 0, 1, 2);
    buttons->addWidget(button(actions->acceptSuggestions, this), 1, 0);
    buttons->addWidget(button(actions->rejectSuggestions, this), 1, 1);
    buttons->addWidget(button(actions->acceptAllSuggestions, this), 2, 0);
    buttons->addWidget(button(actions->rejectAllSuggestions, this), 2, 1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(mList, 1);
    layout->addLayout(buttons);
    connect(document, &AnnotationDocument::changed, this, &SuggestionList::refresh);
    connect(mList, &QListWidget::itemSelectionChanged, this, [this] { emit chosenChanged(chosen()); });
    refresh();
}

QList<quint64> SuggestionList::chosen() const {
    QList<quint64> uids;
    const QList<QListWidgetItem*> items = mList->selectedItems();
    for (const QListWidgetItem* item : items) uids.append(item->data(kUidRole).toULongLong());
    return uids;
}

void SuggestionList::refresh() {
    const QList<quint64> before = chosen();
    QSignalBlocker block(mList);
    mList->clear();
    // Which model made them: after another model is loaded, the ones on screen are still the earlier one's.
    QStringList models;   // model folders
    for (const EditEntity& s : mDocument->suggestions()) {
        const QString model = QString::fromStdString(s.record.modelCheckpoint);
        if (!model.isEmpty() && !models.contains(model)) models << model;
    }
    if (!models.isEmpty()) {
        QStringList names;
        for (const QString& model : std::as_const(models)) names << QFileInfo(QDir::cleanPath(model)).fileName();
        auto* header = new QListWidgetItem(tr("Suggested by %1:").arg(names.join(QStringLiteral(", "))), mList);
        header->setFlags(Qt::NoItemFlags);
        header->setToolTip(QDir::toNativeSeparators(models.join(QLatin1Char('\n'))));
    }
    for (const EditEntity& s : mDocument->suggestions()) {
        const kosmos::store::EntityRecord& r = s.record;
        QString text = QString::fromStdString(r.phrase);
        if (r.boxes.size() > 1) text += tr(" (%1 boxes)").arg(r.boxes.size());
        if (r.confidence) text += QStringLiteral(" · ") + formatConfidence(*r.confidence);
        if (!s.linked() && !mDocument->caption().empty()) text += tr(" · not in the caption");
        auto* item = new QListWidgetItem(text, mList);
        item->setData(kUidRole, QVariant::fromValue<qulonglong>(s.uid));
        item->setSelected(before.contains(s.uid));
    }
    if (mDocument->suggestions().empty()) {
        auto* hint = new QListWidgetItem(tr("No suggestions. Ask the model to get some."), mList);
        hint->setFlags(Qt::NoItemFlags);
    }
}

} // namespace kosmos::ui
