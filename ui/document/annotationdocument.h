#pragma once
// A stored sample being edited: its caption, grounded entities (a phrase span with one or more
// boxes), review state, and the model's suggestions waiting to be accepted. It owns the undo stack;
// every edit is a command in ui/document/commands/, which changes the state through the swap
// functions below and announces the change. Views and the saver listen to changed().
#include <QObject>
#include <QString>
#include <QUndoStack>

#include <optional>
#include <vector>

#include "core/sample.h"
#include "ui/document/annotationtypes.h"

namespace kosmos::ui {

class AnnotationDocument : public QObject {
    Q_OBJECT
public:
    explicit AnnotationDocument(QObject* parent = nullptr);

    // Starts editing `sample` as read from the store; the undo history and the suggestions start empty.
    void open(const kosmos::store::Sample& sample);
    void close();
    bool isOpen() const { return mOpen; }
    qint64 sampleId() const { return mOpen ? mBase.id : 0; }
    // The sample as read (or as last taken over from the store): the fields this editor does not change.
    const kosmos::store::Sample& base() const { return mBase; }
    // Takes the stored fields the editor does not change (key, split, image, revision...) from `stored`.
    void setBase(const kosmos::store::Sample& stored);

    QUndoStack* undoStack() const { return mUndoStack; }

    const std::string& caption() const { return mCaption; }   // UTF-8
    QString captionText() const { return QString::fromStdString(mCaption); }
    int captionLength() const;                                // code points
    kosmos::store::ReviewState review() const { return mReview; }

    const std::vector<EditEntity>& entities() const { return mEntities; }
    int indexOf(quint64 uid) const;                           // -1 when there is none
    const EditEntity* entity(quint64 uid) const;
    std::optional<kosmos::Box> box(const BoxRef& ref) const;
    // The entity whose span is exactly [start, end), or nullptr.
    const EditEntity* entityWithSpan(int start, int end) const;
    // GRIT often lists an object twice, as a noun chunk and as a referring expression with the same span and
    // boxes. Edits of one box or entity go to its twins too, so that the two stay one object: the same
    // box of the other entities with `uid`'s span, boxes and the other kind; the other entity for entities.
    QList<BoxRef> twinBoxes(const BoxRef& ref) const;
    QList<quint64> twinEntities(quint64 uid) const;

    // Positions in the shown result (annotationresult.h): entities first, then suggestions.
    quint64 uidAtResultIndex(int index) const;
    int resultIndexOf(quint64 uid) const;   // -1 when there is none
    bool isSuggestion(quint64 uid) const { return suggestion(uid) != nullptr; }

    // The caption text a person selected (code points), where new boxes and links go; empty when
    // start == end.
    void setCaptionSelection(int start, int end);
    std::pair<int, int> captionSelection() const { return mCaptionSelection; }

    // Model output waiting for a person: accepting one is an undo step, a new run replaces them.
    const std::vector<EditEntity>& suggestions() const { return mSuggestions; }
    const EditEntity* suggestion(quint64 uid) const;
    void setSuggestions(std::vector<kosmos::store::EntityRecord> suggestions, const std::string& modelCaption = {});
    const std::string& suggestionCaption() const { return mSuggestionCaption; }

    // Counts every change (undo and redo too): the saver compares it with the one it wrote.
    quint64 changeSerial() const { return mChangeSerial; }
    // The sample to store: the base with the edited caption, review state and complete entities
    // (entities without a span or a box stay here until they have one).
    kosmos::store::Sample toSample() const;
    int incompleteEntityCount() const;

    // Who edits: the author of the entities a person makes or changes.
    void setAuthor(const std::string& author) { mAuthor = author; }
    const std::string& author() const { return mAuthor; }

    quint64 newUid() { return ++mLastUid; }
    EditEntity makeEntity(kosmos::store::EntityRecord record);
    // Marks an entity as changed by this document's author: source Human, without the model's score.
    void markEdited(kosmos::store::EntityRecord& record) const;
    // The phrase text of a span of the current caption.
    std::string phraseOf(int start, int end) const;

    // For commands: exchange a part of the state with the command's copy, then announce().
    void swapBoxes(std::vector<std::pair<BoxRef, kosmos::Box>>& boxes);
    void swapEntities(std::vector<EditEntity>& entities);
    void swapEntity(EditEntity& entity);   // with the document's entity of the same uid
    void swapCaption(std::string& caption);
    void swapReview(kosmos::store::ReviewState& review);
    void insertSuggestion(int index, EditEntity suggestion);
    std::optional<EditEntity> takeSuggestion(quint64 uid, int* index = nullptr);
    void announce(const AnnotationChange& change);

signals:
    void changed(const kosmos::ui::AnnotationChange& change);
    void captionSelectionChanged(int start, int end);

private:
    QUndoStack* mUndoStack;
    bool mOpen = false;
    kosmos::store::Sample mBase;
    std::string mCaption;
    kosmos::store::ReviewState mReview = kosmos::store::ReviewState::Unreviewed;
    std::vector<EditEntity> mEntities;
    std::vector<EditEntity> mSuggestions;
    std::string mSuggestionCaption;
    quint64 mChangeSerial = 0;
    quint64 mLastUid = 0;
    std::string mAuthor;
    std::pair<int, int> mCaptionSelection{0, 0};
};

} // namespace kosmos::ui
