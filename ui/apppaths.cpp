#include "ui/apppaths.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>
#include <QStringList>

#include "ui/imagefiles.h"

namespace kosmos::ui {

QString demoModelFolder() {
    QStringList candidates;
    candidates << QDir(QCoreApplication::applicationDirPath()).absoluteFilePath(QStringLiteral("../share/kosmos2/demo-model"));
#ifdef KOSMOS_SOURCE_DIR
    candidates << QDir(QStringLiteral(KOSMOS_SOURCE_DIR)).absoluteFilePath(QStringLiteral("resources/demo-model"));
#endif
    for (const QString& candidate : std::as_const(candidates)) {
        if (QFileInfo(QDir(candidate).absoluteFilePath(QStringLiteral("config.json"))).isFile())
            return QDir::cleanPath(candidate);
    }
    return {};
}

QString sampleImagesFolder() {
    QStringList candidates;
    candidates << QDir(QCoreApplication::applicationDirPath()).absoluteFilePath(QStringLiteral("../share/kosmos2/samples/images"));
#ifdef KOSMOS_SOURCE_DIR
    candidates << QDir(QStringLiteral(KOSMOS_SOURCE_DIR)).absoluteFilePath(QStringLiteral("datasets/samples/images"));
#endif
    for (const QString& candidate : std::as_const(candidates)) {
        if (QFileInfo(candidate).isDir() && !imageFilesInFolder(candidate, 1).isEmpty()) return QDir::cleanPath(candidate);
    }
    return {};
}

QString defaultStorePath() {
    const QString folder = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    if (folder.isEmpty()) return {};
    QDir().mkpath(folder);
    return QDir(folder).absoluteFilePath(QStringLiteral("annotations.sqlite"));
}

namespace {

// Symbolic links resolved where the path exists, so /usr/share and a link to it compare equal.
QString comparablePath(const QString& path) {
    const QFileInfo info(path);
    const QString canonical = info.canonicalFilePath();
    return canonical.isEmpty() ? QDir::cleanPath(info.absoluteFilePath()) : canonical;
}

} // namespace

bool isShippedDataPath(const QString& path) {
    if (path.isEmpty()) return false;
    QStringList roots;
    roots << QDir(QCoreApplication::applicationDirPath()).absoluteFilePath(QStringLiteral("../share/kosmos2"));
#ifdef KOSMOS_SOURCE_DIR
    roots << QDir(QStringLiteral(KOSMOS_SOURCE_DIR)).absoluteFilePath(QStringLiteral("datasets/samples"))
          << QDir(QStringLiteral(KOSMOS_SOURCE_DIR)).absoluteFilePath(QStringLiteral("resources"));
#endif
    const QString target = comparablePath(path);
    for (const QString& root : std::as_const(roots)) {
        const QString base = comparablePath(root);
        if (target == base || target.startsWith(base + QLatin1Char('/'))) return true;
    }
    return false;
}

QString resultsFolder() {
    const QString folder = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    return folder.isEmpty() ? QString() : QDir(folder).absoluteFilePath(QStringLiteral("results"));
}

} // namespace kosmos::ui
