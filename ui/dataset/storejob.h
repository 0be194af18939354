#pragma once
// Import into and export from an annotation store on a worker thread, with progress, cancellation
// and every rejected record reported by file and record. The worker opens its own connection to the
// store file (a connection belongs to one thread; WAL lets the window keep reading meanwhile).
#include <QFuture>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QThreadPool>

#include <atomic>

#include "core/grit_import.h"
#include "core/store_export.h"

namespace kosmos::ui {

class StoreJob : public QObject {
    Q_OBJECT
public:
    enum class Kind { None, Import, Export };

    explicit StoreJob(QObject* parent = nullptr);
    ~StoreJob() override;   // cancels and waits for the worker

    // False while a job is running, for an in-memory store, or without sources.
    bool startImport(const QString& storePath, const QStringList& sources, kosmos::store::Split split);
    bool startExport(const QString& storePath, const QString& outFile, kosmos::store::ExportFormat format,
                     const kosmos::store::ExportFilter& filter);
    void cancel();
    bool isRunning() const { return mRunning; }
    Kind kind() const { return mKind; }

    // The last job's outcome (valid after finished()).
    const kosmos::store::ImportSummary& importSummary() const { return mImportSummary; }
    const kosmos::store::ExportSummary& exportSummary() const { return mExportSummary; }
    QString error() const { return mError; }
    QStringList issues() const { return mIssues; }   // the first kMaxListedIssues
    QString summaryText() const;

    static constexpr int kMaxListedIssues = 1000;

signals:
    void started(const QString& title);
    // fraction in [0,1], or -1 when unknown; `what` says what is being done and how far.
    void progress(double fraction, const QString& what);
    // One rejected record: "annotations.jsonl, line 12: inverted box: …".
    void issue(const QString& text);
    void finished(bool ok, bool cancelled);

private:
    bool begin(Kind kind, const QString& storePath, const QString& title);
    void runImport(QString storePath, QStringList sources, kosmos::store::Split split);
    void runExport(QString storePath, QString outFile, kosmos::store::ExportFormat format,
                   kosmos::store::ExportFilter filter);
    void post(std::function<void()> call);
    void end(bool ok, bool cancelled, const QString& error);

    QThreadPool mPool;
    QFuture<void> mFuture;
    std::atomic<bool> mCancel{false};
    std::atomic<int> mIssuesPosted{0};
    bool mRunning = false;
    Kind mKind = Kind::None;
    QString mOutFile;
    kosmos::store::ImportSummary mImportSummary;
    kosmos::store::ExportSummary mExportSummary;
    QString mError;
    QStringList mIssues;
};

// "annotations.jsonl, line 12: inverted box: x0 > x1" (the file's name; the full path is in reports).
QString describeImportIssue(const kosmos::store::ImportIssue& issue);

} // namespace kosmos::ui
