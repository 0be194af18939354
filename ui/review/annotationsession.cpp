#include "ui/review/annotationsession.h"

#include <QAction>
#include <QColor>
#include <QDockWidget>
#include <QFileInfo>
#include <QItemSelectionModel>
#include <QLabel>
#include <QMainWindow>
#include <QMenu>
#include <QMessageBox>
#include <QPainter>
#include <QPushButton>
#include <QScrollArea>
#include <QUndoView>

#include <algorithm>

#include "core/sample_repository.h"
#include "core/store.h"
#include "model/error.h"
#include "ui/canvas/createboxtool.h"
#include "ui/canvas/imagecanvas.h"
#include "ui/document/annotationdocument.h"
#include "ui/document/annotationresult.h"
#include "ui/document/commands/linkboxcommand.h"
#include "ui/document/commands/removeentitiescommand.h"
#include "ui/document/commands/setreviewcommand.h"
#include "ui/document/entityfiltermodel.h"
#include "ui/document/entitylistmodel.h"
#include "ui/document/resultdocument.h"
#include "ui/imagefiles.h"
#include "ui/panels/captionview.h"
#include "ui/panels/generationsettingswidget.h"
#include "ui/panels/promptpanel.h"
#include "ui/review/annotationpanel.h"
#include "ui/review/editactions.h"
#include "ui/review/modelassist.h"
#include "ui/review/samplehistoryview.h"
#include "ui/review/suggestionlist.h"
#include "ui/store/annotationsaver.h"
#include "ui/wheelguard.h"

namespace kosmos::ui {

namespace st = kosmos::store;

namespace {

QString loginName() {
    QString name = qEnvironmentVariable("USER");
    if (name.isEmpty()) name = qEnvironmentVariable("USERNAME");
    return name.isEmpty() ? QStringLiteral("user") : name;
}

AnnotationSaver::ConflictChoice askAboutConflict(QWidget* window, const AnnotationSaver::Conflict& conflict) {
    QMessageBox box(QMessageBox::Warning, AnnotationSession::tr("Sample changed meanwhile"),
                    AnnotationSession::tr("“%1” was changed by %2 while you were editing it.\n\n"
                                          "Keep both: your edits plus their entities. Keep mine: store your version "
                                          "over theirs (theirs stays in the change history). Take theirs: show their "
                                          "version (Undo brings yours back).")
                        .arg(QString::fromStdString(conflict.theirs.key), conflict.changedBy),
                    QMessageBox::NoButton, window);
    QPushButton* both = box.addButton(AnnotationSession::tr("Keep Both"), QMessageBox::AcceptRole);
    QPushButton* mine = box.addButton(AnnotationSession::tr("Keep Mine"), QMessageBox::DestructiveRole);
    box.addButton(AnnotationSession::tr("Take Theirs"), QMessageBox::RejectRole);
    box.setDefaultButton(both);
    box.exec();
    if (box.clickedButton() == both) return AnnotationSaver::ConflictChoice::KeepBoth;
    if (box.clickedButton() == mine) return AnnotationSaver::ConflictChoice::KeepMine;
    return AnnotationSaver::ConflictChoice::TakeTheirs;
}

} // namespace

QString humanActor() { return QStringLiteral("human:") + loginName(); }

AnnotationSession::AnnotationSession(const Parts& parts, QObject* parent)
    : QObject(parent),
      mParts(parts),
      mDocument(new AnnotationDocument(this)),
      mSaver(new AnnotationSaver(mDocument, this)),
      mAssist(new ModelAssist(mDocument, parts.runner, parts.models, this)),
      mActions(new EditActions(parts.window, mDocument->undoStack())),
      mPanel(new AnnotationPanel(mDocument, mActions, parts.window)),
      mUndoView(new QUndoView(mDocument->undoStack(), parts.window)),
      mDrawTool(new CreateBoxTool),
      mCanvas(parts.canvas) {
    mDocument->setAuthor(loginName().toStdString());
    mSaver->setActor(humanActor());
    QWidget* window = parts.window;
    mSaver->setConflictResolver([window](const AnnotationSaver::Conflict& conflict) { return askAboutConflict(window, conflict); });
    mUndoView->setObjectName(QStringLiteral("undoView"));
    mUndoView->setEmptyLabel(tr("As opened"));   // the first row: the sample before any edit
    mParts.canvas->setAnnotation(mDocument);
    if (mParts.caption) mParts.caption->setAnnotation(mDocument);

    connect(mDocument, &AnnotationDocument::changed, this, &AnnotationSession::publish);
    connect(mSaver, &AnnotationSaver::stateChanged, this, &AnnotationSession::updateSaveStatus);
    connect(mSaver, &AnnotationSaver::saved, this, [this](qint64 sampleId) {
        mPanel->history()->showHistory(mSaver->store(), sampleId);
    });
    connect(mSaver, &AnnotationSaver::saveFailed, this, [this](const QString& message) {
        emit statusMessage(tr("Not saved: %1").arg(message));
    });
    connect(mSaver, &AnnotationSaver::externalChange, this,
            [this](qint64 sampleId, const QString& by, AnnotationSaver::ConflictChoice how) {
                mPanel->history()->showHistory(mSaver->store(), sampleId);
                const QString what = how == AnnotationSaver::ConflictChoice::TakeTheirs ? tr("showing their version (Undo brings yours back)")
                                     : how == AnnotationSaver::ConflictChoice::KeepMine ? tr("keeping yours")
                                                                                         : tr("keeping both");
                emit statusMessage(tr("The sample was changed by %1: %2.").arg(by, what));
            });
    connect(mAssist, &ModelAssist::message, this, &AnnotationSession::statusMessage);
    connect(mAssist, &ModelAssist::failed, this, &AnnotationSession::statusMessage);
    connect(mAssist, &ModelAssist::busyChanged, this, &AnnotationSession::updateActions);
    connect(mPanel, &AnnotationPanel::captionApplied, this, [this](int cut) {
        if (cut > 0) emit statusMessage(tr("The edit cut through %n phrase(s): they are marked; check their spans.", nullptr, cut));
    });
    connect(mPanel->suggestions(), &SuggestionList::chosenChanged, this, [this](const QList<quint64>& uids) {
        QList<BoxRef> refs;
        for (quint64 uid : uids)
            if (const EditEntity* s = mDocument->suggestion(uid))
                for (int b = 0; b < static_cast<int>(s->record.boxes.size()); ++b) refs.append({uid, b});
        selectBoxes(refs);
    });
    connectActions();
    updateActions();
    updateSaveStatus();
}

AnnotationSession::~AnnotationSession() {
    // The window's other parts may be gone already (children are deleted in creation order): save
    // what is left without asking anyone, and touch the canvas only if it is still there.
    mSaver->disconnect(this);
    mDocument->disconnect(this);
    mSaver->setConflictResolver({});
    mSaver->flush();
    if (mCanvas) {
        if (mCanvas->tool() == mDrawTool) mCanvas->setTool(nullptr);
        mCanvas->setAnnotation(nullptr);
    }
    delete mDrawTool;
}

void AnnotationSession::setStore(std::shared_ptr<st::AnnotationStore> store) {
    close();
    mSaver->setStore(std::move(store));
}

std::shared_ptr<st::AnnotationStore> AnnotationSession::store() const { return mSaver->store(); }

bool AnnotationSession::isOpen() const { return mDocument->isOpen(); }

AnnotationSession::Loaded AnnotationSession::load(qint64 sampleId) const {
    Loaded loaded;
    const std::shared_ptr<st::AnnotationStore> store = mSaver->store();
    if (!store) {
        loaded.error = tr("No annotation store is open.");
        return loaded;
    }
    try {
        loaded.sample = st::getSample(*store, sampleId);
    } catch (const Error& e) {
        loaded.error = QString::fromStdString(e.what());
        return loaded;
    }
    if (!loaded.sample) {
        loaded.error = tr("%1: sample %2 not found").arg(QString::fromStdString(store->path())).arg(sampleId);
        return loaded;
    }
    const st::Sample& sample = *loaded.sample;
    if (sample.image && !sample.image->path.empty()) {
        ReadImageResult read = readImage(QString::fromStdString(sample.image->path));
        loaded.image = std::move(read.image);
        loaded.imageError = read.error;
    } else {
        loaded.imageError = tr("sample “%1” has no image file").arg(QString::fromStdString(sample.key));
    }
    if (loaded.image.isNull()) {
        // The boxes are normalised: any size shows them; the stored size keeps their shape.
        int width = sample.image && sample.image->width > 0 ? sample.image->width : static_cast<int>(sample.width.value_or(640));
        int height = sample.image && sample.image->height > 0 ? sample.image->height : static_cast<int>(sample.height.value_or(480));
        width = std::clamp(width, 16, 4096);
        height = std::clamp(height, 16, 4096);
        loaded.image = QImage(width, height, QImage::Format_RGB32);
        loaded.image.fill(QColor(90, 90, 95));
    }
    return loaded;
}

void AnnotationSession::open(const st::Sample& sample) {
    mDocument->open(sample);
    mPanel->setTitle(tr("%1 · sample %2").arg(QString::fromStdString(sample.key)).arg(sample.id));
    mPanel->history()->showHistory(mSaver->store(), sample.id);
    mActions->selectTool->setChecked(true);
    mParts.canvas->setTool(nullptr);
}

bool AnnotationSession::close() {
    if (!mDocument->isOpen()) return true;
    if (!mSaver->flush()) return false;
    discard();
    return true;
}

void AnnotationSession::discard() {
    if (!mDocument->isOpen()) return;
    if (mParts.canvas->tool() == mDrawTool) mParts.canvas->setTool(nullptr);
    mDocument->close();
    mParts.result->clearResult();
    mPanel->history()->clear();
}

void AnnotationSession::publish(const AnnotationChange& change) {
    if (change.kind == AnnotationChange::Kind::Closed) {
        mPublishedUids.clear();
        updateActions();
        return;
    }
    const QList<BoxRef> kept = change.kind == AnnotationChange::Kind::Opened ? QList<BoxRef>{} : selectedBoxes(true);
    const AnnotationResult shown = annotationResult(*mDocument);
    mPublishedUids = shown.uids;
    mParts.result->setAnnotatedResult(shown.result, shown.annotations);
    selectBoxes(change.select.isEmpty() ? kept : change.select);
    updateActions();
}

QList<BoxRef> AnnotationSession::selectedBoxes(bool includeSuggestions) const {
    QList<BoxRef> refs;
    const EntityListModel* entities = mParts.result->entities();
    const QList<int> rows = mParts.result->selectedSourceRows();
    for (int row : rows) {
        const QModelIndex index = entities->index(row, 0);
        const int entity = index.data(EntityListModel::EntityIndexRole).toInt();
        if (entity < 0 || entity >= mPublishedUids.size()) continue;
        const quint64 uid = mPublishedUids[entity];
        if (!includeSuggestions && !mDocument->entity(uid)) continue;
        refs.append({uid, index.data(EntityListModel::BoxIndexRole).toInt()});
    }
    return refs;
}

void AnnotationSession::selectBoxes(const QList<BoxRef>& refs) {
    ResultDocument* result = mParts.result;
    const EntityListModel* entities = result->entities();
    QItemSelection selection;
    QModelIndex first;
    for (const BoxRef& ref : refs) {
        const int entity = mPublishedUids.indexOf(ref.uid);
        if (entity < 0) continue;
        const QList<int> rows = entities->rowsOfEntity(entity);
        for (int row : rows) {
            const QModelIndex source = entities->index(row, 0);
            if (source.data(EntityListModel::BoxIndexRole).toInt() != ref.box) continue;
            const QModelIndex shown = result->visibleEntities()->mapFromSource(source);
            if (!shown.isValid()) continue;
            if (!first.isValid()) first = shown;
            selection.select(shown, shown);
        }
    }
    if (!first.isValid()) {
        result->clearSelection();
        return;
    }
    result->selection()->select(selection, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    result->selection()->setCurrentIndex(first, QItemSelectionModel::NoUpdate);
}

QList<quint64> AnnotationSession::chosenSuggestions() const {
    QList<quint64> uids = mPanel->suggestions()->chosen();
    const QList<BoxRef> selected = selectedBoxes(true);
    for (const BoxRef& ref : selected)
        if (mDocument->isSuggestion(ref.uid) && !uids.contains(ref.uid)) uids.append(ref.uid);
    return uids;
}

void AnnotationSession::connectActions() {
    EditActions* a = mActions;
    connect(a->selectTool, &QAction::triggered, this, [this] { mParts.canvas->setTool(nullptr); });
    connect(a->drawBoxTool, &QAction::triggered, this, [this] { mParts.canvas->setTool(mDrawTool); });
    connect(a->deleteBoxes, &QAction::triggered, this, [this] {
        if (!mParts.canvas->deleteSelection()) emit statusMessage(tr("Select the boxes to delete."));
    });
    connect(a->removeEntities, &QAction::triggered, this, &AnnotationSession::removeSelectedEntities);
    connect(a->linkBox, &QAction::triggered, this, &AnnotationSession::linkSelectedBox);
    connect(a->accept, &QAction::triggered, this, [this] { setReview(st::ReviewState::Accepted); });
    connect(a->reject, &QAction::triggered, this, [this] { setReview(st::ReviewState::Rejected); });
    connect(a->markCorrected, &QAction::triggered, this, [this] { setReview(st::ReviewState::Corrected); });
    connect(a->nextUnreviewed, &QAction::triggered, this, [this] {
        const std::optional<qint64> next = nextUnreviewed();
        if (next) emit openSampleRequested(*next);
        else emit statusMessage(tr("No other unreviewed sample."));
    });
    connect(a->suggest, &QAction::triggered, this, &AnnotationSession::runModel);
    connect(a->acceptSuggestions, &QAction::triggered, this, [this] {
        const QList<quint64> chosen = chosenSuggestions();
        if (chosen.isEmpty()) emit statusMessage(tr("Choose suggestions in the list or on the image first."));
        mAssist->accept(chosen);
    });
    connect(a->rejectSuggestions, &QAction::triggered, this, [this] { mAssist->reject(chosenSuggestions()); });
    connect(a->acceptAllSuggestions, &QAction::triggered, mAssist, &ModelAssist::acceptAll);
    connect(a->rejectAllSuggestions, &QAction::triggered, mAssist, &ModelAssist::rejectAll);
    connect(a->reground, &QAction::triggered, this, &AnnotationSession::regroundSelected);
    connect(mParts.canvas->document(), &ResultDocument::imageChanged, this, &AnnotationSession::updateActions);
}

void AnnotationSession::updateActions() {
    const bool open = mDocument->isOpen();
    const QList<QAction*> actions = mActions->sampleActions();
    for (QAction* action : actions) action->setEnabled(open);
    const bool modelFree = !mAssist->isBusy();
    mActions->suggest->setEnabled(open && modelFree);
    mActions->reground->setEnabled(open && modelFree);
    const bool suggestions = open && !mDocument->suggestions().empty();
    mActions->acceptAllSuggestions->setEnabled(suggestions);
    mActions->rejectAllSuggestions->setEnabled(suggestions);
    mActions->acceptSuggestions->setEnabled(suggestions);
    mActions->rejectSuggestions->setEnabled(suggestions);
}

void AnnotationSession::updateSaveStatus() {
    switch (mSaver->state()) {
    case AnnotationSaver::State::Idle: mPanel->setSaveStatus({}, false); break;
    case AnnotationSaver::State::Pending:
    case AnnotationSaver::State::Saving: mPanel->setSaveStatus(tr("Saving…"), false); break;
    case AnnotationSaver::State::Saved:
        mPanel->setSaveStatus(tr("Saved · revision %1").arg(mSaver->storedRevision()), false);
        break;
    case AnnotationSaver::State::Failed:
        mPanel->setSaveStatus(tr("Not saved"), true);
        mPanel->saveStatus()->setToolTip(mSaver->lastError());
        break;
    }
}

void AnnotationSession::linkSelectedBox() {
    const QList<BoxRef> selected = selectedBoxes();
    const auto [start, end] = mDocument->captionSelection();
    if (selected.isEmpty() || end <= start) {
        emit statusMessage(tr("Select a box on the image and the words of its phrase in the caption, then link."));
        return;
    }
    auto* command = new LinkBoxCommand(mDocument, selected.front(), start, end);
    if (!command->isEffective()) {
        delete command;
        emit statusMessage(tr("The box already grounds that phrase."));
        return;
    }
    mDocument->undoStack()->push(command);
    if (selected.size() > 1) emit statusMessage(tr("Linked one box; link the others one at a time."));
}

void AnnotationSession::removeSelectedEntities() {
    QList<quint64> uids;
    const QList<BoxRef> selected = selectedBoxes();
    for (const BoxRef& ref : selected)
        if (!uids.contains(ref.uid)) uids.append(ref.uid);
    if (uids.isEmpty()) {
        emit statusMessage(tr("Select a box of the entity to remove."));
        return;
    }
    auto* command = new RemoveEntitiesCommand(mDocument, uids);
    if (command->isEffective()) mDocument->undoStack()->push(command);
    else delete command;
}

void AnnotationSession::setReview(st::ReviewState state) {
    if (!mDocument->isOpen() || mDocument->review() == state) return;
    mDocument->undoStack()->push(new SetReviewCommand(mDocument, state));
}

void AnnotationSession::regroundSelected() {
    const QList<BoxRef> selected = selectedBoxes();
    if (selected.isEmpty()) {
        emit statusMessage(tr("Select the wrong box first."));
        return;
    }
    const BoxRef ref = selected.front();
    const EditEntity* entity = mDocument->entity(ref.uid);
    const int box = entity && entity->record.boxes.size() > 1 ? ref.box : -1;
    mAssist->reground(mParts.result->image(), ref.uid, box, mParts.prompt->settings()->params());
}

bool AnnotationSession::runModel() {
    if (!mDocument->isOpen()) return false;
    return mAssist->suggest(mParts.result->image(), mParts.prompt->prompt(), mParts.prompt->settings()->params());
}

std::optional<qint64> AnnotationSession::nextUnreviewed() const {
    const std::shared_ptr<st::AnnotationStore> store = mSaver->store();
    if (!store) return std::nullopt;
    try {
        return st::nextSampleWithReview(*store, st::ReviewState::Unreviewed, mDocument->sampleId());
    } catch (const Error&) {
        return std::nullopt;
    }
}

void AnnotationSession::addDocks(QMainWindow* window, QDockWidget* besideDock) {
    const auto makeDock = [window](const QString& title, const QString& name, QWidget* widget) {
        auto* dock = new QDockWidget(title, window);
        dock->setObjectName(name);
        dock->setWidget(widget);
        dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable |
                          QDockWidget::DockWidgetClosable);
        window->addDockWidget(Qt::RightDockWidgetArea, dock);
        return dock;
    };
    // Scrolled, so that the panel's many controls do not force a tall right-hand column while it is a hidden tab.
    auto* scroll = new QScrollArea;
    scroll->setWidget(mPanel);
    scroll->setWidgetResizable(true);
    scrollWheelPastFields(mPanel);
    scroll->setFrameShape(QFrame::NoFrame);
    mAnnotationDock = makeDock(tr("Annotation"), QStringLiteral("annotationDock"), scroll);
    mHistoryDock = makeDock(tr("Edit History"), QStringLiteral("editHistoryDock"), mUndoView);
    if (besideDock) window->tabifyDockWidget(besideDock, mAnnotationDock);
    window->tabifyDockWidget(mAnnotationDock, mHistoryDock);
    mHistoryDock->hide();
    if (besideDock) besideDock->raise();   // the Annotation tab comes up when a sample is opened
}

void AnnotationSession::fillEditMenu(QMenu* menu) const {
    EditActions* a = mActions;
    menu->addAction(a->undo);
    menu->addAction(a->redo);
    menu->addSeparator();
    menu->addAction(a->selectTool);
    menu->addAction(a->drawBoxTool);
    menu->addSeparator();
    menu->addAction(a->deleteBoxes);
    menu->addAction(a->removeEntities);
    menu->addAction(a->linkBox);
    menu->addAction(a->editCaption);
    menu->addSeparator();
    menu->addAction(a->accept);
    menu->addAction(a->reject);
    menu->addAction(a->markCorrected);
    menu->addAction(a->nextUnreviewed);
    menu->addSeparator();
    menu->addAction(a->suggest);
    menu->addAction(a->acceptSuggestions);
    menu->addAction(a->rejectSuggestions);
    menu->addAction(a->acceptAllSuggestions);
    menu->addAction(a->rejectAllSuggestions);
    menu->addAction(a->reground);
    if (mHistoryDock) {
        menu->addSeparator();
        menu->addAction(mHistoryDock->toggleViewAction());
    }
}

} // namespace kosmos::ui
