#include "ui/apppaths.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QStringList>

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

} // namespace kosmos::ui
