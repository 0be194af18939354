// Results of images the workbench may not write beside (shipped samples, read-only folders) go to the
// XDG data folder; results of other images stay beside them.
#include <QtTest>

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonObject>
#include <QStandardPaths>
#include <QTemporaryDir>

#include <unistd.h>

#include "ui/apppaths.h"
#include "ui/document/resultjson.h"

using namespace kosmos::ui;

namespace {

QString sourceDir() { return QDir::cleanPath(QStringLiteral(KOSMOS_TEST_DATA_DIR "/../..")); }
QString sampleImages() { return sourceDir() + QStringLiteral("/datasets/samples/images"); }

} // namespace

class TestShippedDataPaths : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        // Results below ~/.qttest, not the user's data folder.
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("Kosmos2WorkbenchTest"));
        QCoreApplication::setApplicationName(QStringLiteral("test_shipped_data_paths"));
        QVERIFY2(QFileInfo(sampleImages() + QStringLiteral("/000000.jpg")).isFile(), qPrintable(sampleImages()));
    }

    void cleanupTestCase() { QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)).removeRecursively(); }

    void shippedDataIsRecognised() {
        QVERIFY(isShippedDataPath(sampleImages()));
        QVERIFY(isShippedDataPath(sampleImages() + QStringLiteral("/000000.jpg")));
        QVERIFY(isShippedDataPath(sourceDir() + QStringLiteral("/resources/demo-model")));
        QVERIFY(isShippedDataPath(sourceDir() + QStringLiteral("/datasets/samples/../samples/images")));
        // Neighbours and parents of shipped folders are not shipped.
        QVERIFY(!isShippedDataPath(sourceDir() + QStringLiteral("/datasets")));
        QVERIFY(!isShippedDataPath(sourceDir() + QStringLiteral("/datasets/samples-more/a.png")));
        QVERIFY(!isShippedDataPath(sourceDir() + QStringLiteral("/resourcesX")));
        QVERIFY(!isShippedDataPath(QDir::tempPath()));
        QVERIFY(!isShippedDataPath(QString()));
    }

    void resultOfWritableFolderStaysBesideImage() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString image = dir.filePath(QStringLiteral("photo.png"));
        QCOMPARE(sidecarJsonPath(image), image + QStringLiteral(".kosmos2.json"));
    }

    void resultOfShippedImageGoesToResultsFolder() {
        const QString results = resultsFolder();
        QVERIFY(!results.isEmpty());
        QVERIFY2(results.startsWith(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QLatin1Char('/')),
                 qPrintable(results));
        const QString image = sampleImages() + QStringLiteral("/000000.jpg");
        const QString sidecar = sidecarJsonPath(image);
        QVERIFY2(sidecar.startsWith(results + QLatin1Char('/')), qPrintable(sidecar));
        QVERIFY2(sidecar.endsWith(QStringLiteral("/datasets/samples/images/000000.jpg.kosmos2.json")), qPrintable(sidecar));
        // Two images of the same name in different shipped folders do not share a result.
        QVERIFY(sidecarJsonPath(sourceDir() + QStringLiteral("/resources/000000.jpg")) != sidecar);

        // Written there (its folders created) and read back; nothing appears beside the image.
        QVERIFY(!QFileInfo::exists(sidecar));
        QCOMPARE(writeJsonFile(sidecar, QJsonObject{{QStringLiteral("prompt"), QStringLiteral("x")}}), QString());
        QString error;
        const std::optional<QJsonObject> back = readJsonFile(sidecar, &error);
        QVERIFY2(back.has_value(), qPrintable(error));
        QCOMPARE(back->value(QStringLiteral("prompt")).toString(), QStringLiteral("x"));
        QVERIFY(!QFileInfo::exists(image + QStringLiteral(".kosmos2.json")));
    }

    void resultOfReadOnlyFolderGoesToResultsFolder() {
        if (::geteuid() == 0) QSKIP("root may write into read-only folders, so the folder's permission is not tested");
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QVERIFY(QFile::setPermissions(dir.path(), QFile::ReadOwner | QFile::ExeOwner));
        const QString image = dir.filePath(QStringLiteral("photo.png"));
        const QString sidecar = sidecarJsonPath(image);
        QFile::setPermissions(dir.path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        QVERIFY2(sidecar.startsWith(resultsFolder() + QLatin1Char('/')), qPrintable(sidecar));
    }
};

QTEST_GUILESS_MAIN(TestShippedDataPaths)
#include "test_shipped_data_paths.moc"
