#pragma once
// A generation result as JSON: the CLI's `generate --json` fields (image, prompt, generated_ids, text,
// caption, entities with phrase/span/boxes, timings_ms) plus per-box confidences and the image size.
#include <QJsonObject>
#include <QSize>
#include <QString>

#include <optional>

#include "model/engine/engine.h"

namespace kosmos::ui {

QJsonObject resultToJson(const kosmos::GenerationResult& result, const QString& imagePath, const QString& prompt,
                         const QSize& imageSize);

struct ResultFromJson {
    kosmos::GenerationResult result;
    QString prompt;
    QString imagePath;
};
// Reads what resultToJson wrote (heat maps are not stored). Returns nullopt and sets `error` on a
// malformed object; never throws.
std::optional<ResultFromJson> resultFromJson(const QJsonObject& object, QString* error = nullptr);

// Where a batch run stores the result of `imagePath`: "<image file name>.kosmos2.json" beside it, or below
// resultsFolder() (apppaths.h) when the image's folder is read-only or shipped with the program.
QString sidecarJsonPath(const QString& imagePath);
// Writes JSON atomically (temporary file, then rename), creating the folder when missing. Returns an error
// message or an empty string.
QString writeJsonFile(const QString& path, const QJsonObject& object);
// Reads a JSON object from a file of at most `maxBytes`. Sets `error` on failure.
std::optional<QJsonObject> readJsonFile(const QString& path, QString* error, qint64 maxBytes = 64 << 20);

} // namespace kosmos::ui
