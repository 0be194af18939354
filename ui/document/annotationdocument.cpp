#include "ui/document/annotationdocument.h"

#include <algorithm>

namespace kosmos::ui {

namespace st = kosmos::store;

AnnotationDocument::AnnotationDocument(QObject* parent) : QObject(parent), mUndoStack(new QUndoStack(this)) {
    qRegisterMetaType<kosmos::ui::AnnotationChange>();
}

void AnnotationDocument::open(const st::Sample& sample) {
    mUndoStack->clear();
    mBase = sample;
    mCaption = sample.caption;
    mReview = sample.review;
    mEntities.clear();
    for (const st::EntityRecord& record : sample.entities) mEntities.push_back(makeEntity(record));
    mBase.entities.clear();
    mSuggestions.clear();
    mSuggestionCaption.clear();
    mOpen = true;
    announce({AnnotationChange::Kind::Opened, {}});
}

void AnnotationDocument::close() {
    if (!mOpen) return;
    mUndoStack->clear();
    mOpen = false;
    mBase = {};
    mCaption.clear();
    mEntities.clear();
    mSuggestions.clear();
    mSuggestionCaption.clear();
    announce({AnnotationChange::Kind::Closed, {}});
}

void AnnotationDocument::setBase(const st::Sample& stored) {
    mBase = stored;
    mBase.entities.clear();
}

int AnnotationDocument::captionLength() const {
    return static_cast<int>(std::max<std::int64_t>(0, st::utf8Length(mCaption)));
}

int AnnotationDocument::indexOf(quint64 uid) const {
    for (std::size_t i = 0; i < mEntities.size(); ++i)
        if (mEntities[i].uid == uid) return static_cast<int>(i);
    return -1;
}

const EditEntity* AnnotationDocument::entity(quint64 uid) const {
    const int index = indexOf(uid);
    return index >= 0 ? &mEntities[static_cast<std::size_t>(index)] : nullptr;
}

std::optional<kosmos::Box> AnnotationDocument::box(const BoxRef& ref) const {
    const EditEntity* e = entity(ref.uid);
    if (!e) e = suggestion(ref.uid);
    if (!e || ref.box < 0 || ref.box >= static_cast<int>(e->record.boxes.size())) return std::nullopt;
    return e->record.boxes[static_cast<std::size_t>(ref.box)];
}

const EditEntity* AnnotationDocument::entityWithSpan(int start, int end) const {
    for (const EditEntity& e : mEntities)
        if (e.record.spanStart == start && e.record.spanEnd == end) return &e;
    return nullptr;
}

QList<quint64> AnnotationDocument::twinEntities(quint64 uid) const {
    QList<quint64> twins;
    const EditEntity* e = entity(uid);
    if (!e || !e->linked()) return twins;
    for (const EditEntity& other : mEntities)
        if (other.uid != uid && other.record.kind != e->record.kind && other.record.spanStart == e->record.spanStart &&
            other.record.spanEnd == e->record.spanEnd && other.record.boxes == e->record.boxes)
            twins.append(other.uid);
    return twins;
}

QList<BoxRef> AnnotationDocument::twinBoxes(const BoxRef& ref) const {
    QList<BoxRef> twins;
    for (const quint64 uid : twinEntities(ref.uid)) twins.append({uid, ref.box});
    return twins;
}

quint64 AnnotationDocument::uidAtResultIndex(int index) const {
    const int entities = static_cast<int>(mEntities.size());
    if (index >= 0 && index < entities) return mEntities[static_cast<std::size_t>(index)].uid;
    if (index >= entities && index - entities < static_cast<int>(mSuggestions.size()))
        return mSuggestions[static_cast<std::size_t>(index - entities)].uid;
    return 0;
}

int AnnotationDocument::resultIndexOf(quint64 uid) const {
    const int index = indexOf(uid);
    if (index >= 0) return index;
    for (std::size_t i = 0; i < mSuggestions.size(); ++i)
        if (mSuggestions[i].uid == uid) return static_cast<int>(mEntities.size() + i);
    return -1;
}

void AnnotationDocument::setCaptionSelection(int start, int end) {
    const int length = captionLength();
    start = std::clamp(start, 0, length);
    end = std::clamp(end, start, length);
    if (end == start) start = end = 0;
    if (std::pair(start, end) == mCaptionSelection) return;
    mCaptionSelection = {start, end};
    emit captionSelectionChanged(start, end);
}

const EditEntity* AnnotationDocument::suggestion(quint64 uid) const {
    for (const EditEntity& s : mSuggestions)
        if (s.uid == uid) return &s;
    return nullptr;
}

void AnnotationDocument::setSuggestions(std::vector<st::EntityRecord> suggestions, const std::string& modelCaption) {
    mSuggestions.clear();
    for (st::EntityRecord& record : suggestions) mSuggestions.push_back(makeEntity(std::move(record)));
    mSuggestionCaption = modelCaption;
    announce({AnnotationChange::Kind::Suggestions, {}});
}

st::Sample AnnotationDocument::toSample() const {
    st::Sample sample = mBase;
    sample.caption = mCaption;
    sample.review = mReview;
    sample.entities.clear();
    for (const EditEntity& e : mEntities)
        if (e.complete()) sample.entities.push_back(e.record);
    return sample;
}

int AnnotationDocument::incompleteEntityCount() const {
    return static_cast<int>(std::count_if(mEntities.begin(), mEntities.end(),
                                          [](const EditEntity& e) { return !e.complete(); }));
}

EditEntity AnnotationDocument::makeEntity(st::EntityRecord record) {
    EditEntity entity;
    entity.uid = newUid();
    entity.record = std::move(record);
    return entity;
}

std::string AnnotationDocument::phraseOf(int start, int end) const { return st::utf8Slice(mCaption, start, end); }

void AnnotationDocument::swapBoxes(std::vector<std::pair<BoxRef, kosmos::Box>>& boxes) {
    for (auto& [ref, value] : boxes) {
        const int index = indexOf(ref.uid);
        if (index < 0) continue;
        std::vector<kosmos::Box>& list = mEntities[static_cast<std::size_t>(index)].record.boxes;
        if (ref.box < 0 || ref.box >= static_cast<int>(list.size())) continue;
        std::swap(list[static_cast<std::size_t>(ref.box)], value);
    }
}

void AnnotationDocument::swapEntities(std::vector<EditEntity>& entities) { mEntities.swap(entities); }

void AnnotationDocument::swapEntity(EditEntity& entity) {
    const int index = indexOf(entity.uid);
    if (index >= 0) std::swap(mEntities[static_cast<std::size_t>(index)], entity);
}

void AnnotationDocument::markEdited(st::EntityRecord& record) const {
    record.source = st::EntitySource::Human;
    record.author = mAuthor;
    record.confidence.reset();
    record.modelCheckpoint.clear();
    record.modelPrompt.clear();
}

void AnnotationDocument::swapCaption(std::string& caption) { mCaption.swap(caption); }

void AnnotationDocument::swapReview(st::ReviewState& review) { std::swap(mReview, review); }

void AnnotationDocument::insertSuggestion(int index, EditEntity suggestion) {
    index = std::clamp(index, 0, static_cast<int>(mSuggestions.size()));
    mSuggestions.insert(mSuggestions.begin() + index, std::move(suggestion));
}

std::optional<EditEntity> AnnotationDocument::takeSuggestion(quint64 uid, int* index) {
    for (std::size_t i = 0; i < mSuggestions.size(); ++i) {
        if (mSuggestions[i].uid != uid) continue;
        EditEntity taken = std::move(mSuggestions[i]);
        mSuggestions.erase(mSuggestions.begin() + static_cast<std::ptrdiff_t>(i));
        if (index) *index = static_cast<int>(i);
        return taken;
    }
    return std::nullopt;
}

void AnnotationDocument::announce(const AnnotationChange& change) {
    ++mChangeSerial;
    const bool textChanged = change.kind == AnnotationChange::Kind::Caption ||
                             change.kind == AnnotationChange::Kind::Opened || change.kind == AnnotationChange::Kind::Closed;
    if (textChanged) setCaptionSelection(0, 0);
    emit changed(change);
}

} // namespace kosmos::ui
