#include "ui/review/modelassist.h"

#include <QFileInfo>

#include <algorithm>

#include "ui/document/annotationdocument.h"
#include "ui/document/commands/editcaptioncommand.h"
#include "ui/document/commands/replaceboxescommand.h"
#include "ui/document/commands/suggestioncommands.h"
#include "ui/inference/generationrunner.h"
#include "ui/inference/modelcontroller.h"
#include "ui/inference/prompttemplates.h"

namespace kosmos::ui {

namespace st = kosmos::store;

namespace {

// Code points of UTF-16 text up to `position`.
int codePointsBefore(const QString& text, qsizetype position) {
    return static_cast<int>(QStringView(text).left(position).toUcs4().size());
}

QString trimmedPhrase(const std::string& phrase) { return QString::fromStdString(phrase).trimmed(); }

} // namespace

ModelAssist::ModelAssist(AnnotationDocument* document, GenerationRunner* runner, ModelController* models, QObject* parent)
    : QObject(parent), mDocument(document), mRunner(runner), mModels(models) {
    connect(mRunner, &GenerationRunner::jobFinished, this, &ModelAssist::onJobFinished);
    connect(mRunner, &GenerationRunner::finished, this, &ModelAssist::onRunFinished);
}

std::vector<st::EntityRecord> ModelAssist::suggestionsFrom(const kosmos::GenerationResult& result,
                                                           const std::string& caption, const std::string& checkpoint,
                                                           const std::string& prompt) {
    std::vector<st::EntityRecord> out;
    const QString text = QString::fromStdString(caption);
    std::vector<std::pair<int, int>> taken;
    for (const kosmos::GroundedEntity& entity : result.entities) {
        if (entity.boxes.empty()) continue;
        st::EntityRecord record;
        record.kind = st::EntityKind::NounChunk;
        record.source = st::EntitySource::Model;
        record.modelCheckpoint = checkpoint;
        record.modelPrompt = prompt;
        double confidence = 1.0;
        for (const kosmos::BoxDetail& detail : entity.boxes) {
            record.boxes.push_back(detail.box);
            confidence = std::min(confidence, detail.confidence);
        }
        record.confidence = confidence;
        if (caption.empty()) {
            // No caption yet: the model's own caption and spans (taken together when accepted).
            record.spanStart = entity.span.first;
            record.spanEnd = entity.span.second;
            record.phrase = entity.phrase;
        } else {
            // The phrase's first occurrence in the sample's caption not claimed by an earlier suggestion.
            const QString phrase = trimmedPhrase(entity.phrase);
            qsizetype from = 0;
            while (!phrase.isEmpty()) {
                const qsizetype at = text.indexOf(phrase, from, Qt::CaseInsensitive);
                if (at < 0) break;
                const std::pair<int, int> span{codePointsBefore(text, at), codePointsBefore(text, at + phrase.size())};
                if (std::find(taken.begin(), taken.end(), span) == taken.end()) {
                    taken.push_back(span);
                    record.spanStart = span.first;
                    record.spanEnd = span.second;
                    break;
                }
                from = at + 1;
            }
            record.phrase = record.spanEnd > record.spanStart ? st::utf8Slice(caption, record.spanStart, record.spanEnd)
                                                               : entity.phrase;
        }
        out.push_back(std::move(record));
    }
    return out;
}

bool ModelAssist::start(const QImage& image, const QString& prompt, const kosmos::GenerationParams& params, Task task) {
    if (!mDocument->isOpen()) {
        emit failed(tr("Open a sample first."));
        return false;
    }
    const std::shared_ptr<kosmos::Engine> engine = mModels->engine();
    if (!engine) {
        emit failed(mModels->isLoading() ? tr("The model is still loading.") : tr("Load a model first."));
        return false;
    }
    if (mTask != Task::None || mRunner->isRunning()) {
        emit failed(tr("The model is busy; wait for the run to finish."));
        return false;
    }
    GenerationJob job;
    job.image = image;
    job.imagePath = QString::fromStdString(mDocument->base().image ? mDocument->base().image->path : std::string());
    job.prompt = prompt;
    job.params = params;
    mTask = task;
    mSampleId = mDocument->sampleId();
    mPrompt = prompt;
    mCheckpoint = QFileInfo(mModels->folder()).absoluteFilePath();
    if (!mRunner->start(engine, {job})) {
        mTask = Task::None;
        emit failed(tr("The model could not start."));
        return false;
    }
    emit busyChanged(true);
    return true;
}

bool ModelAssist::suggest(const QImage& image, const QString& prompt, const kosmos::GenerationParams& params) {
    if (prompt.trimmed().isEmpty()) {
        emit failed(tr("The prompt is empty."));
        return false;
    }
    if (!start(image, prompt, params, Task::Suggest)) return false;
    emit message(tr("Asking the model: %1").arg(prompt));
    return true;
}

bool ModelAssist::reground(const QImage& image, quint64 uid, int box, const kosmos::GenerationParams& params) {
    const EditEntity* entity = mDocument->entity(uid);
    const QString phrase = entity ? trimmedPhrase(entity->record.phrase) : QString();
    if (phrase.isEmpty()) {
        emit failed(tr("Select a box whose entity has a phrase to re-ground."));
        return false;
    }
    const QString prompt = buildPrompt(PromptTask::PhraseGrounding, phrase);
    mUid = uid;
    mBox = box;
    mPhrase = phrase;
    if (!start(image, prompt, params, Task::Reground)) return false;
    emit message(tr("Re-grounding “%1”…").arg(phrase));
    return true;
}

void ModelAssist::onJobFinished(const GenerationOutcome& outcome) {
    if (mTask == Task::None) return;   // a run of the main window
    if (mSampleId != mDocument->sampleId()) {
        emit message(tr("The model's answer came for a sample that is no longer open; it was dropped."));
        return;
    }
    if (!outcome.ok()) {
        emit failed(outcome.error);
        return;
    }
    if (outcome.result.cancelled) {
        emit message(tr("Cancelled."));
        return;
    }
    if (mTask == Task::Suggest) applySuggestions(outcome.result);
    else applyReground(outcome.result);
}

void ModelAssist::onRunFinished() {
    if (mTask == Task::None) return;
    mTask = Task::None;
    emit busyChanged(false);
}

void ModelAssist::applySuggestions(const kosmos::GenerationResult& result) {
    std::vector<st::EntityRecord> suggestions =
        suggestionsFrom(result, mDocument->caption(), mCheckpoint.toStdString(), mPrompt.toStdString());
    const int count = static_cast<int>(suggestions.size());
    const int unplaced = static_cast<int>(std::count_if(suggestions.begin(), suggestions.end(),
                                                        [](const st::EntityRecord& r) { return r.spanEnd <= r.spanStart; }));
    mDocument->setSuggestions(std::move(suggestions), result.caption);
    if (count == 0) {
        emit message(tr("The model found nothing to suggest (“%1”).").arg(QString::fromStdString(result.caption)));
        return;
    }
    QString text = tr("%n suggestion(s) from the model.", nullptr, count);
    if (unplaced > 0) text += tr(" %n not in the caption: select the phrase and link the box.", nullptr, unplaced);
    emit message(text);
}

void ModelAssist::applyReground(const kosmos::GenerationResult& result) {
    if (!mDocument->entity(mUid)) {
        emit message(tr("The phrase was removed meanwhile; the model's answer was dropped."));
        return;
    }
    const kosmos::GroundedEntity* best = nullptr;
    for (const kosmos::GroundedEntity& entity : result.entities) {
        if (entity.boxes.empty()) continue;
        if (trimmedPhrase(entity.phrase).compare(mPhrase, Qt::CaseInsensitive) == 0) {
            best = &entity;
            break;
        }
        if (!best) best = &entity;
    }
    if (!best) {
        emit failed(tr("The model found no box for “%1”.").arg(mPhrase));
        return;
    }
    ReplaceBoxesCommand::ModelAnswer answer;
    double confidence = 1.0;
    for (const kosmos::BoxDetail& detail : best->boxes) {
        answer.boxes.push_back(detail.box);
        confidence = std::min(confidence, detail.confidence);
    }
    answer.confidence = mBox >= 0 ? best->boxes.front().confidence : confidence;
    answer.checkpoint = mCheckpoint.toStdString();
    answer.prompt = mPrompt.toStdString();
    mDocument->undoStack()->push(new ReplaceBoxesCommand(mDocument, mUid, mBox, answer));
    emit message(tr("“%1” re-grounded.").arg(mPhrase));
}

void ModelAssist::accept(const QList<quint64>& suggestions) {
    QList<quint64> present;
    for (quint64 uid : suggestions)
        if (mDocument->isSuggestion(uid)) present.append(uid);
    if (present.isEmpty()) return;
    QUndoStack* stack = mDocument->undoStack();
    if (mDocument->caption().empty() && !mDocument->suggestionCaption().empty()) {
        stack->beginMacro(tr("Accept Model Caption and Entities"));
        stack->push(new EditCaptionCommand(mDocument, mDocument->suggestionCaption()));
        stack->push(new AcceptSuggestionsCommand(mDocument, present));
        stack->endMacro();
        return;
    }
    stack->push(new AcceptSuggestionsCommand(mDocument, present));
}

void ModelAssist::reject(const QList<quint64>& suggestions) {
    QList<quint64> present;
    for (quint64 uid : suggestions)
        if (mDocument->isSuggestion(uid)) present.append(uid);
    if (!present.isEmpty()) mDocument->undoStack()->push(new RejectSuggestionsCommand(mDocument, present));
}

void ModelAssist::acceptAll() {
    QList<quint64> all;
    for (const EditEntity& s : mDocument->suggestions()) all.append(s.uid);
    accept(all);
}

void ModelAssist::rejectAll() {
    QList<quint64> all;
    for (const EditEntity& s : mDocument->suggestions()) all.append(s.uid);
    reject(all);
}

} // namespace kosmos::ui
