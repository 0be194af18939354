#include "ui/dataset/storejob.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <exception>
#include <memory>

#include "core/store.h"
#include "ui/textformat.h"

namespace kosmos::ui {

namespace store = kosmos::store;

namespace {

constexpr int kProgressIntervalMs = 100;

bool inMemory(const QString& path) { return path.isEmpty() || path == QLatin1String(":memory:"); }

} // namespace

QString describeImportIssue(const store::ImportIssue& issue) {
    const QString file = QFileInfo(QString::fromStdString(issue.file)).fileName();
    const QString where = issue.location.empty() ? file : QStringLiteral("%1, %2").arg(file, QString::fromStdString(issue.location));
    const QString reason = QString::fromLatin1(store::toString(issue.reason));
    const QString message = QString::fromStdString(issue.message);
    if (message.startsWith(reason)) return QStringLiteral("%1: %2").arg(where, message);
    return QStringLiteral("%1: %2: %3").arg(where, reason, message);
}

StoreJob::StoreJob(QObject* parent) : QObject(parent) {
    mPool.setMaxThreadCount(1);
    mPool.setObjectName(QStringLiteral("storeJob"));
}

StoreJob::~StoreJob() {
    mCancel = true;
    mFuture.waitForFinished();
}

bool StoreJob::begin(Kind kind, const QString& storePath, const QString& title) {
    if (mRunning || inMemory(storePath)) return false;
    mRunning = true;
    mKind = kind;
    mCancel = false;
    mIssuesPosted = 0;
    mImportSummary = {};
    mExportSummary = {};
    mError.clear();
    mIssues.clear();
    emit started(title);
    return true;
}

bool StoreJob::startImport(const QString& storePath, const QStringList& sources, store::Split split) {
    if (sources.isEmpty() || !begin(Kind::Import, storePath, tr("Importing into %1").arg(QFileInfo(storePath).fileName())))
        return false;
    mFuture = QtConcurrent::run(&mPool, [this, storePath, sources, split] { runImport(storePath, sources, split); });
    return true;
}

bool StoreJob::startExport(const QString& storePath, const QString& outFile, store::ExportFormat format,
                           const store::ExportFilter& filter) {
    if (outFile.isEmpty() || !begin(Kind::Export, storePath, tr("Exporting to %1").arg(QFileInfo(outFile).fileName())))
        return false;
    mOutFile = outFile;
    mFuture = QtConcurrent::run(&mPool, [this, storePath, outFile, format, filter] {
        runExport(storePath, outFile, format, filter);
    });
    return true;
}

void StoreJob::cancel() { mCancel = true; }

// The destructor waits for the worker, so `this` outlives every queued call.
void StoreJob::post(std::function<void()> call) { QMetaObject::invokeMethod(this, std::move(call), Qt::QueuedConnection); }

void StoreJob::runImport(QString storePath, QStringList sources, store::Split split) {
    QStringList absolute;
    std::vector<std::string> paths;
    for (const QString& source : std::as_const(sources)) {
        absolute << QFileInfo(source).absoluteFilePath();
        paths.push_back(QDir::toNativeSeparators(source).toStdString());
    }
    QElapsedTimer sinceReport;
    sinceReport.start();
    store::ImportOptions options;
    options.split = split;
    options.cancel = &mCancel;
    options.onIssue = [this](const store::ImportIssue& rejected) {
        if (mIssuesPosted.fetch_add(1) >= kMaxListedIssues) return;
        post([this, text = describeImportIssue(rejected)] {
            mIssues << text;
            emit issue(text);
        });
    };
    options.onProgress = [this, absolute, &sinceReport](const store::ImportProgress& p) {
        if (sinceReport.elapsed() < kProgressIntervalMs && p.bytesDone < p.bytesTotal) return;
        sinceReport.restart();
        const QString source = QFileInfo(QString::fromStdString(p.source)).absoluteFilePath();
        const qsizetype index = std::max<qsizetype>(0, absolute.indexOf(source));
        const double within = p.bytesTotal > 0 ? double(p.bytesDone) / double(p.bytesTotal) : 0.0;
        const double fraction = (double(index) + within) / double(absolute.size());
        const QString what = tr("%1 (%2 of %3): %L4 imported, %L5 already stored, %L6 rejected")
                                 .arg(QFileInfo(source).fileName())
                                 .arg(index + 1)
                                 .arg(absolute.size())
                                 .arg(p.imported)
                                 .arg(p.alreadyStored)
                                 .arg(p.rejected);
        post([this, fraction, what] { emit progress(fraction, what); });
    };
    store::ImportSummary summary;
    QString error;
    try {
        store::AnnotationStore::Options open;
        open.create = false;
        store::AnnotationStore db(storePath.toStdString(), open);
        summary = store::importSources(db, paths, options);
    } catch (const std::exception& e) {
        error = QString::fromStdString(e.what());
    }
    post([this, summary, error] {
        mImportSummary = summary;
        end(error.isEmpty(), summary.cancelled, error);
    });
}

void StoreJob::runExport(QString storePath, QString outFile, store::ExportFormat format, store::ExportFilter filter) {
    QElapsedTimer sinceReport;
    sinceReport.start();
    store::ExportControl control;
    control.cancel = &mCancel;
    control.onProgress = [this, &sinceReport](std::int64_t visited, std::int64_t total) {
        if (sinceReport.elapsed() < kProgressIntervalMs && visited < total) return;
        sinceReport.restart();
        const double fraction = total > 0 ? double(visited) / double(total) : -1.0;
        post([this, fraction, visited, total] {
            emit progress(fraction, tr("%L1 of %L2 samples").arg(visited).arg(total));
        });
    };
    store::ExportSummary summary;
    QString error;
    try {
        store::AnnotationStore::Options open;
        open.create = false;
        open.readOnly = true;
        store::AnnotationStore db(storePath.toStdString(), open);
        summary = store::exportStore(db, format, QDir::toNativeSeparators(outFile).toStdString(), filter, control);
    } catch (const std::exception& e) {
        error = QString::fromStdString(e.what());
    }
    post([this, summary, error] {
        mExportSummary = summary;
        end(error.isEmpty(), summary.cancelled, error);
    });
}

void StoreJob::end(bool ok, bool cancelled, const QString& error) {
    mError = error;
    mRunning = false;
    emit finished(ok, cancelled);
}

QString StoreJob::summaryText() const {
    if (!mError.isEmpty()) return mError;
    if (mKind == Kind::Import) {
        const store::ImportSummary& s = mImportSummary;
        QString text = tr("%1%L2 imported, %L3 already stored, %L4 rejected in %5 s.")
                           .arg(s.cancelled ? tr("Cancelled: ") : QString())
                           .arg(s.imported)
                           .arg(s.alreadyStored)
                           .arg(s.rejected)
                           .arg(s.seconds, 0, 'f', 1);
        if (s.sourcesFailed > 0) text += tr(" %1 could not be read.").arg(countOf(s.sourcesFailed, tr("source"), tr("sources")));
        if (s.rejected > kMaxListedIssues) text += tr(" The first %L1 rejections are listed.").arg(kMaxListedIssues);
        return text;
    }
    if (mKind == Kind::Export) {
        const store::ExportSummary& s = mExportSummary;
        if (s.cancelled) return tr("Cancelled; %1 was not written.").arg(QDir::toNativeSeparators(mOutFile));
        QString text = tr("Wrote %1, %2 and %3 to %4.")
                           .arg(countOf(s.samples, tr("sample"), tr("samples")), countOf(s.entities, tr("entity"), tr("entities")),
                                countOf(s.boxes, tr("box"), tr("boxes")), QDir::toNativeSeparators(mOutFile));
        if (s.skippedNoSize > 0)
            text += tr(" %1 left out: no image size for pixel boxes.").arg(countOf(s.skippedNoSize, tr("sample"), tr("samples")));
        return text;
    }
    return {};
}

} // namespace kosmos::ui
