#include "ui/dataset/folderrunsink.h"

#include <exception>
#include <memory>

#include "core/store.h"
#include "ui/dataset/modelannotation.h"
#include "ui/document/resultjson.h"

namespace kosmos::ui {

namespace {

// The worker's connection, opened on its first result (on the worker thread) and closed with the
// last copy of the sink.
struct StoreConnection {
    QString file;
    std::unique_ptr<kosmos::store::AnnotationStore> store;
};

QString writeSidecar(const GenerationOutcome& outcome) {
    return writeJsonFile(sidecarJsonPath(outcome.imagePath),
                         resultToJson(outcome.result, outcome.imagePath, outcome.prompt, outcome.imageSize));
}

} // namespace

GenerationRunner::ResultSink folderRunSink(const QString& storeFile, const QString& checkpoint) {
    if (storeFile.isEmpty()) return [](const GenerationOutcome& outcome) { return writeSidecar(outcome); };
    auto connection = std::make_shared<StoreConnection>();
    connection->file = storeFile;
    return [connection, checkpoint](const GenerationOutcome& outcome) -> QString {
        QString error;
        try {
            if (!connection->store) {
                kosmos::store::AnnotationStore::Options options;
                options.create = false;
                connection->store = std::make_unique<kosmos::store::AnnotationStore>(connection->file.toStdString(), options);
            }
            saveModelAnnotation(*connection->store, ModelAnnotation{outcome.imagePath, outcome.prompt, checkpoint, outcome.result});
        } catch (const std::exception& e) {
            error = QString::fromStdString(e.what());
        } catch (...) {
            error = QStringLiteral("%1: the result could not be stored").arg(outcome.imagePath);
        }
        writeSidecar(outcome);   // a copy for other tools; the store holds the result
        return error;
    };
}

} // namespace kosmos::ui
