#include "ui/document/resultjson.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

#include "ui/apppaths.h"

namespace kosmos::ui {
namespace {

QString tr(const char* text) { return QCoreApplication::translate("ResultJson", text); }

// Far more than any caption has; keeps a hostile file from creating millions of canvas items.
constexpr qsizetype kMaxEntities = 10000;

QJsonArray boxToJson(const kosmos::Box& box) {
    return QJsonArray{box[0], box[1], box[2], box[3]};
}

bool boxFromJson(const QJsonValue& value, kosmos::Box* box) {
    const QJsonArray array = value.toArray();
    if (array.size() != 4) return false;
    for (int i = 0; i < 4; ++i) {
        if (!array[i].isDouble()) return false;
        (*box)[static_cast<std::size_t>(i)] = array[i].toDouble();
    }
    return true;
}

} // namespace

QJsonObject resultToJson(const kosmos::GenerationResult& result, const QString& imagePath, const QString& prompt,
                         const QSize& imageSize) {
    QJsonObject root;
    root[QLatin1String("image")] = imagePath;
    root[QLatin1String("prompt")] = prompt;
    root[QLatin1String("image_size")] = QJsonArray{imageSize.width(), imageSize.height()};
    QJsonArray ids;
    for (std::int64_t id : result.generatedIds) ids.append(static_cast<qint64>(id));
    root[QLatin1String("generated_ids")] = ids;
    root[QLatin1String("text")] = QString::fromStdString(result.text);
    root[QLatin1String("caption")] = QString::fromStdString(result.caption);
    QJsonArray entities;
    for (const kosmos::GroundedEntity& entity : result.entities) {
        QJsonObject e;
        e[QLatin1String("phrase")] = QString::fromStdString(entity.phrase);
        e[QLatin1String("span")] = QJsonArray{entity.span.first, entity.span.second};
        QJsonArray boxes;
        QJsonArray confidences;
        QJsonArray patches;
        for (const kosmos::BoxDetail& detail : entity.boxes) {
            boxes.append(boxToJson(detail.box));
            confidences.append(detail.confidence);
            patches.append(QJsonArray{detail.ulIndex, detail.lrIndex});
        }
        e[QLatin1String("boxes")] = boxes;
        e[QLatin1String("confidences")] = confidences;
        e[QLatin1String("patch_indices")] = patches;
        entities.append(e);
    }
    root[QLatin1String("entities")] = entities;
    root[QLatin1String("stopped_by")] = QString::fromStdString(result.stoppedBy);
    QJsonObject timings;
    for (const auto& [name, ms] : result.timingsMs) timings[QString::fromStdString(name)] = ms;
    root[QLatin1String("timings_ms")] = timings;
    return root;
}

std::optional<ResultFromJson> resultFromJson(const QJsonObject& object, QString* error) {
    auto fail = [error](const QString& message) -> std::optional<ResultFromJson> {
        if (error) *error = message;
        return std::nullopt;
    };
    if (!object.value(QLatin1String("caption")).isString()) return fail(tr("missing string field 'caption'"));
    if (!object.value(QLatin1String("entities")).isArray()) return fail(tr("missing array field 'entities'"));
    ResultFromJson out;
    out.prompt = object.value(QLatin1String("prompt")).toString();
    out.imagePath = object.value(QLatin1String("image")).toString();
    kosmos::GenerationResult& result = out.result;
    result.caption = object.value(QLatin1String("caption")).toString().toStdString();
    result.text = object.value(QLatin1String("text")).toString().toStdString();
    result.stoppedBy = object.value(QLatin1String("stopped_by")).toString().toStdString();
    result.cancelled = result.stoppedBy == "cancelled";
    const QJsonArray ids = object.value(QLatin1String("generated_ids")).toArray();
    for (const QJsonValue& id : ids) result.generatedIds.push_back(id.toInteger());
    const QJsonArray entities = object.value(QLatin1String("entities")).toArray();
    if (entities.size() > kMaxEntities) return fail(tr("%1 entities, more than the %2 allowed").arg(entities.size()).arg(kMaxEntities));
    qsizetype totalBoxes = 0;
    for (qsizetype i = 0; i < entities.size(); ++i) {
        const QJsonObject e = entities[i].toObject();
        kosmos::GroundedEntity entity;
        entity.phrase = e.value(QLatin1String("phrase")).toString().toStdString();
        const QJsonArray span = e.value(QLatin1String("span")).toArray();
        if (span.size() != 2) return fail(tr("entity %1: 'span' is not [start, end]").arg(i));
        entity.span = {span[0].toInt(), span[1].toInt()};
        const QJsonArray boxes = e.value(QLatin1String("boxes")).toArray();
        const QJsonArray confidences = e.value(QLatin1String("confidences")).toArray();
        const QJsonArray patches = e.value(QLatin1String("patch_indices")).toArray();
        totalBoxes += boxes.size();
        if (totalBoxes > kMaxEntities) return fail(tr("more than %1 boxes").arg(kMaxEntities));
        for (qsizetype b = 0; b < boxes.size(); ++b) {
            kosmos::BoxDetail detail;
            if (!boxFromJson(boxes[b], &detail.box))
                return fail(tr("entity %1, box %2: not four numbers").arg(i).arg(b));
            if (b < confidences.size()) detail.confidence = confidences[b].toDouble();
            if (b < patches.size()) {
                const QJsonArray pair = patches[b].toArray();
                detail.ulIndex = pair.size() == 2 ? pair[0].toInt() : 0;
                detail.lrIndex = pair.size() == 2 ? pair[1].toInt() : 0;
            }
            entity.boxes.push_back(std::move(detail));
        }
        result.entities.push_back(std::move(entity));
    }
    const QJsonObject timings = object.value(QLatin1String("timings_ms")).toObject();
    for (auto it = timings.begin(); it != timings.end(); ++it) result.timingsMs[it.key().toStdString()] = it->toDouble();
    return out;
}

QString sidecarJsonPath(const QString& imagePath) {
    const QFileInfo image(imagePath);
    const QString beside = imagePath + QStringLiteral(".kosmos2.json");
    const QString folder = image.absolutePath();
    if (!isShippedDataPath(folder) && QFileInfo(folder).isWritable()) return beside;
    const QString results = resultsFolder();
    if (results.isEmpty()) return beside;
    // The image's absolute path below the results folder keeps images of different folders apart.
    return QDir::cleanPath(results + QLatin1Char('/') + image.absoluteFilePath() + QStringLiteral(".kosmos2.json"));
}

QString writeJsonFile(const QString& path, const QJsonObject& object) {
    QDir().mkpath(QFileInfo(path).absolutePath());
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return tr("%1: cannot write (%2)").arg(QDir::toNativeSeparators(path), file.errorString());
    file.write(QJsonDocument(object).toJson(QJsonDocument::Indented));
    if (!file.commit()) return tr("%1: cannot write (%2)").arg(QDir::toNativeSeparators(path), file.errorString());
    return {};
}

std::optional<QJsonObject> readJsonFile(const QString& path, QString* error, qint64 maxBytes) {
    const QString name = QDir::toNativeSeparators(path);
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        if (error) *error = tr("%1: cannot open (%2)").arg(name, file.errorString());
        return std::nullopt;
    }
    if (file.size() > maxBytes) {
        if (error) *error = tr("%1: %2 bytes, more than the %3 allowed").arg(name).arg(file.size()).arg(maxBytes);
        return std::nullopt;
    }
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(file.read(maxBytes), &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject()) {
        if (error)
            *error = tr("%1: not a JSON object (%2 at byte %3)")
                         .arg(name, parseError.errorString()).arg(parseError.offset);
        return std::nullopt;
    }
    return document.object();
}

} // namespace kosmos::ui
