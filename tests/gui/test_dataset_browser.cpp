// The dataset browser over a generated store: rows read a page at a time (also over 100 000 samples),
// every filter and its count against counts made from the generator's rules, sorting by the lowest
// model confidence, activation, live refresh on changes from this and other connections, and
// thumbnails decoded off the GUI thread.
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QElapsedTimer>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

#include "core/sample_repository.h"
#include "core/store.h"
#include "gui_test_support.h"
#include "store_test_support.h"
#include "ui/browser/datasetbrowser.h"
#include "ui/browser/sampleitemdelegate.h"
#include "ui/browser/samplelistmodel.h"
#include "ui/browser/thumbnailcache.h"

using namespace kosmos::ui;
using namespace kosmos::ui::test;
namespace store = kosmos::store;

namespace {

constexpr int kSamples = 450;

// Every row the model shows, in order (reads all pages).
std::vector<store::SampleRow> allRows(const SampleListModel& model) {
    std::vector<store::SampleRow> rows;
    for (int r = 0; r < model.rowCount(); ++r) {
        const std::optional<store::SampleRow> row = model.sampleAt(r);
        if (row) rows.push_back(*row);
    }
    return rows;
}

} // namespace

class TestDatasetBrowser : public QObject {
    Q_OBJECT

private:
    QTemporaryDir mDir;
    QStringList mImages;
    std::shared_ptr<store::AnnotationStore> mStore;

    std::shared_ptr<store::AnnotationStore> freshStore(const QString& name, int count) {
        auto db = std::make_shared<store::AnnotationStore>(mDir.filePath(name).toStdString());
        fillStore(*db, count, mImages);
        return db;
    }

private slots:
    void initTestCase() {
        QVERIFY(mDir.isValid());
        isolateSettings(mDir);
        for (const char* name : {"gradient_640x480.png", "stripes_300x500.png", "checker_224x224.png"}) {
            const QString copy = mDir.filePath(QLatin1String(name));
            QVERIFY(copyFile(fixtureImage(name), copy));
            mImages << copy;
        }
        mStore = freshStore(QStringLiteral("browse.sqlite"), kSamples);
    }

    void readsOnlyThePagesItShows() {
        SampleListModel model;
        model.setStore(mStore);
        QCOMPARE(model.rowCount(), kSamples);
        QCOMPARE(model.totalCount(), qint64(kSamples));
        QCOMPARE(model.pageLoads(), 0);   // counting reads no rows
        QCOMPARE(model.index(0).data(SampleListModel::KeyRole).toString(), QStringLiteral("sample-000000"));
        QCOMPARE(model.pageLoads(), 1);
        QCOMPARE(model.index(kSamples - 1).data(SampleListModel::KeyRole).toString(),
                 QStringLiteral("sample-%1").arg(kSamples - 1, 6, 10, QLatin1Char('0')));
        QCOMPARE(model.pageLoads(), 2);
        for (int r = 0; r < 20; ++r) model.index(r).data();
        QCOMPARE(model.pageLoads(), 2);   // cached
        // The rows are the store's, in its order, with what the list shows of them.
        store::PageRequest everything;
        everything.limit = 10000;
        const std::vector<store::SampleRow> expected = store::querySamples(*mStore, everything);
        const std::vector<store::SampleRow> rows = allRows(model);
        QCOMPARE(rows.size(), expected.size());
        for (std::size_t i = 0; i < rows.size(); ++i) QCOMPARE(rows[i].id, expected[i].id);
        const QModelIndex third = model.index(3);
        QCOMPARE(third.data(SampleListModel::CaptionRole).toString(), QString::fromStdString(generatedCaption(3)));
        QCOMPARE(third.data(SampleListModel::SplitRole).toInt(), static_cast<int>(generatedSplit(3)));
        QCOMPARE(third.data(SampleListModel::ReviewRole).toInt(), static_cast<int>(generatedReview(3)));
        QCOMPARE(third.data(SampleListModel::EntityCountRole).toInt(), 1);
        QVERIFY(!third.data(SampleListModel::MinConfidenceRole).isValid());   // imported only
        QCOMPARE(model.index(4).data(SampleListModel::MinConfidenceRole).toDouble(), generatedMinConfidence(4));
        QCOMPARE(model.index(-1).data(), QVariant());
        QCOMPARE(model.index(kSamples).data(), QVariant());
    }

    void filtersShowTheirCounts() {
        DatasetBrowser browser;
        browser.setStore(mStore);
        SampleListModel* model = browser.model();
        const auto expectShown = [&](qint64 expected, const char* what) {
            if (model->shownCount() != expected)
                QFAIL(qPrintable(QStringLiteral("%1: shown %2, expected %3").arg(QLatin1String(what)).arg(model->shownCount()).arg(expected)));
            QCOMPARE(model->rowCount(), static_cast<int>(expected));
            if (expected != kSamples)
                QVERIFY2(browser.countText().startsWith(QStringLiteral("%L1 of %2 samples").arg(expected).arg(kSamples)),
                         qPrintable(browser.countText()));
        };
        QCOMPARE(browser.countText(), QStringLiteral("%1 samples").arg(kSamples));

        for (store::Split split : {store::Split::Train, store::Split::Validation, store::Split::Test}) {
            browser.setSplitFilter(split);
            expectShown(countWhere(kSamples, [&](int i) { return generatedSplit(i) == split; }), "split");
            for (const store::SampleRow& row : allRows(*model)) QCOMPARE(row.split, split);
        }
        // The split box names its counts.
        auto* splitBox = browser.findChild<QComboBox*>(QStringLiteral("browserSplit"));
        QVERIFY(splitBox);
        QVERIFY2(splitBox->itemText(1).contains(QString::number(countWhere(kSamples, [](int i) {
                     return generatedSplit(i) == store::Split::Train;
                 }))),
                 qPrintable(splitBox->itemText(1)));
        browser.setSplitFilter(std::nullopt);
        expectShown(kSamples, "no split");

        browser.setReviewFilter(store::ReviewState::Accepted);
        expectShown(countWhere(kSamples, [](int i) { return generatedReview(i) == store::ReviewState::Accepted; }), "review");
        browser.setSplitFilter(store::Split::Test);
        expectShown(countWhere(kSamples, [](int i) {
                        return generatedReview(i) == store::ReviewState::Accepted && generatedSplit(i) == store::Split::Test;
                    }),
                    "review and split");
        browser.setSplitFilter(std::nullopt);
        browser.setReviewFilter(std::nullopt);

        browser.setSourceFilter(store::EntitySource::Human);
        expectShown(countWhere(kSamples, hasHuman), "human");
        browser.setSourceFilter(store::EntitySource::Model);
        expectShown(countWhere(kSamples, hasModel), "model");
        browser.setSourceFilter(store::EntitySource::Imported);
        expectShown(countWhere(kSamples, hasImported), "imported");
        browser.setSourceFilter(std::nullopt);

        for (double threshold : {0.05, 0.3, 0.75}) {
            browser.setLowConfidenceFilter(true, threshold);
            expectShown(countWhere(kSamples, [&](int i) { return hasModel(i) && generatedMinConfidence(i) < threshold; }),
                        "low confidence");
            for (const store::SampleRow& row : allRows(*model)) QVERIFY(row.minModelConfidence && *row.minModelConfidence < threshold);
        }
        browser.setLowConfidenceFilter(false, 0.3);
        expectShown(kSamples, "no threshold");

        // Caption search ignores case.
        browser.setSearchText(QStringLiteral("CIRCLE"));
        expectShown(countWhere(kSamples, [](int i) { return i % 5 == 0 || i % 5 == 2; }), "search");
        browser.setSearchText(QStringLiteral("yellow star"));
        expectShown(countWhere(kSamples, [](int i) { return i % 5 == 2; }), "search two words");
        browser.setSourceFilter(store::EntitySource::Human);
        expectShown(countWhere(kSamples, [](int i) { return i % 5 == 2 && hasHuman(i); }), "search and source");
        browser.setSearchText(QStringLiteral("no such caption"));
        expectShown(0, "nothing");
        auto* emptyText = browser.findChild<QLabel*>(QStringLiteral("browserEmptyText"));
        QVERIFY(emptyText && emptyText->text().contains(QStringLiteral("No sample matches")));
        browser.setSearchText({});
        browser.setSourceFilter(std::nullopt);
        expectShown(kSamples, "cleared");

        // Typing waits for a pause before it queries.
        auto* search = browser.findChild<QLineEdit*>(QStringLiteral("browserSearch"));
        QVERIFY(search);
        QTest::keyClicks(search, QStringLiteral("hexagon"));
        QCOMPARE(model->shownCount(), qint64(kSamples));
        QTRY_COMPARE(model->shownCount(), countWhere(kSamples, [](int i) { return i % 5 == 3; }));
    }

    void sortsByLowestModelConfidence() {
        DatasetBrowser browser;
        browser.setStore(mStore);
        browser.setSort(store::SampleSort::LowestModelConfidence, false);
        std::vector<store::SampleRow> rows = allRows(*browser.model());
        QCOMPARE(static_cast<int>(rows.size()), kSamples);
        const qint64 withModel = countWhere(kSamples, hasModel);
        // Lowest first, samples without a model box last.
        for (std::size_t i = 0; i < rows.size(); ++i) QCOMPARE(rows[i].minModelConfidence.has_value(), qint64(i) < withModel);
        for (qint64 i = 1; i < withModel; ++i) QVERIFY(*rows[i - 1].minModelConfidence <= *rows[i].minModelConfidence);
        int lowest = -1;
        for (int i = 0; i < kSamples; ++i)
            if (hasModel(i) && (lowest < 0 || generatedMinConfidence(i) < generatedMinConfidence(lowest))) lowest = i;
        QCOMPARE(generatedIndex(rows.front().key), lowest);

        browser.setSort(store::SampleSort::LowestModelConfidence, true);
        rows = allRows(*browser.model());
        QCOMPARE(*rows.front().minModelConfidence, generatedMinConfidence([&] {
            int highest = -1;
            for (int i = 0; i < kSamples; ++i)
                if (hasModel(i) && (highest < 0 || generatedMinConfidence(i) > generatedMinConfidence(highest))) highest = i;
            return highest;
        }()));

        browser.setSort(store::SampleSort::Key, true);
        rows = allRows(*browser.model());
        QCOMPARE(generatedIndex(rows.front().key), kSamples - 1);
        QCOMPARE(generatedIndex(rows.back().key), 0);
    }

    void activationNamesTheSample() {
        DatasetBrowser browser;
        browser.resize(320, 600);
        browser.setStore(mStore);
        browser.show();
        QVERIFY(QTest::qWaitForWindowExposed(&browser));
        QSignalSpy activated(&browser, &DatasetBrowser::sampleActivated);
        QVERIFY(browser.activateRow(7));
        QCOMPARE(activated.count(), 1);
        QCOMPARE(activated.first().first().toLongLong(), browser.model()->sampleIdAt(7));
        QCOMPARE(browser.currentSampleId(), browser.model()->sampleIdAt(7));
        QVERIFY(!browser.activateRow(kSamples + 3));
        QCOMPARE(activated.count(), 1);
        // Enter on the list.
        QListView* view = browser.view();
        view->setFocus();
        view->setCurrentIndex(browser.model()->index(12));
        QTest::keyClick(view, Qt::Key_Return);
        QCOMPARE(activated.count(), 2);
        QCOMPARE(activated.last().first().toLongLong(), browser.model()->sampleIdAt(12));
        const std::optional<store::Sample> sample = store::getSample(*mStore, activated.last().first().toLongLong());
        QVERIFY(sample);
        QCOMPARE(generatedIndex(sample->key), 12);
    }

    void imagesOfOneNameShowTheirKeys() {
        // Two datasets' 000000.png from different folders, a key of an image's name and a digest, and a key that
        // only begins with the image's name.
        const std::string path = mDir.filePath(QStringLiteral("names.sqlite")).toStdString();
        auto db = std::make_shared<store::AnnotationStore>(path);
        const std::pair<const char*, QString> samples[] = {
            {"shapes-1-000000", mDir.filePath(QStringLiteral("one/000000.png"))},
            {"shapes-2-000000", mDir.filePath(QStringLiteral("two/000000.png"))},
            {"gradient_640x480-3f2a", mImages.first()},
            {"stripes_300x5000", mImages[1]},
        };
        {
            store::Transaction transaction(*db);
            for (const auto& [key, path] : samples) {
                store::Sample s = generatedSample(1, {path});
                s.key = key;
                store::putSample(*db, s, "generator");
            }
            transaction.commit();
        }
        SampleListModel model;
        model.setStore(db);
        QCOMPARE(model.rowCount(), 4);
        QStringList facts;
        for (int row = 0; row < 4; ++row) facts << sampleFacts(model.index(row));
        QVERIFY2(facts[0].startsWith(QStringLiteral("shapes-1-000000 · ")), qPrintable(facts[0]));
        QVERIFY2(facts[1].startsWith(QStringLiteral("shapes-2-000000 · ")), qPrintable(facts[1]));
        QVERIFY2(!facts[2].contains(QStringLiteral("gradient")), qPrintable(facts[2]));
        QVERIFY2(facts[3].startsWith(QStringLiteral("stripes_300x5000 · ")), qPrintable(facts[3]));
    }

    void refreshesWhenTheStoreChanges() {
        auto db = freshStore(QStringLiteral("changing.sqlite"), 60);
        DatasetBrowser browser;
        browser.setStore(db);
        browser.setReviewFilter(store::ReviewState::Rejected);
        const qint64 rejected = countWhere(60, [](int i) { return generatedReview(i) == store::ReviewState::Rejected; });
        QCOMPARE(browser.model()->shownCount(), rejected);
        // A change through the same connection arrives as an event.
        const qint64 first = browser.model()->index(0).data(SampleListModel::SampleIdRole).toLongLong();
        QVERIFY(first > 0);
        const std::optional<store::Sample> unreviewed = store::getSampleByKey(*db, "sample-000000");
        QVERIFY(unreviewed && unreviewed->review == store::ReviewState::Unreviewed);
        store::setReviewState(*db, {unreviewed->id}, store::ReviewState::Rejected, "tester");
        QTRY_COMPARE(browser.model()->shownCount(), rejected + 1);
        QCOMPARE(browser.model()->rowCount(), static_cast<int>(rejected + 1));

        // A change by another connection (another thread or program) is polled.
        {
            store::AnnotationStore other(db->path());
            store::Sample added = generatedSample(1000, {});
            added.review = store::ReviewState::Rejected;
            store::putSample(other, added, "elsewhere");
        }
        QTRY_COMPARE_WITH_TIMEOUT(browser.model()->shownCount(), rejected + 2, 5000);
        QCOMPARE(browser.model()->totalCount(), qint64(61));
        bool found = false;
        for (const store::SampleRow& row : allRows(*browser.model())) found = found || row.key == "sample-001000";
        QVERIFY(found);
    }

    void thumbnailsLoadInTheBackground() {
        ThumbnailCache cache(QSize(56, 56));
        QSignalSpy ready(&cache, &ThumbnailCache::thumbnailReady);
        // Asking returns at once; the image arrives later.
        QVERIFY(cache.thumbnail(mImages[0]).isNull());
        QVERIFY(cache.thumbnail(mImages[0]).isNull());   // one decode per image, however often asked
        QVERIFY(ready.wait(10000));
        QCOMPARE(ready.first().first().toString(), mImages[0]);
        const QPixmap pixmap = cache.thumbnail(mImages[0]);
        QVERIFY(!pixmap.isNull());
        QCOMPARE(pixmap.size(), QSize(640, 480).scaled(56, 56, Qt::KeepAspectRatio));
        QCOMPARE(cache.decodesStarted(), 1);

        // A file that is not an image fails once and is not tried again.
        const QString broken = mDir.filePath(QStringLiteral("broken.png"));
        {
            QFile file(broken);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write("\x89PNG\r\n\x1a\n not really");
        }
        QVERIFY(cache.thumbnail(broken).isNull());
        QTRY_VERIFY(cache.failed(broken));
        QVERIFY(cache.thumbnail(broken).isNull());
        QCOMPARE(cache.decodesStarted(), 2);

        // Through the model: the row's decoration appears with a dataChanged for it.
        SampleListModel model;
        model.setThumbnails(&cache);
        model.setStore(mStore);
        int row = -1;
        for (int r = 0; r < model.rowCount() && row < 0; ++r)
            if (model.index(r).data(SampleListModel::ImagePathRole).toString() == mImages[1]) row = r;
        QVERIFY(row >= 0);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QVERIFY(!model.index(row).data(Qt::DecorationRole).isValid());
        QTRY_VERIFY(model.index(row).data(Qt::DecorationRole).isValid());
        bool announced = false;
        for (const QList<QVariant>& args : changed)
            announced = announced || args.at(0).toModelIndex().row() == row;
        QVERIFY(announced);
        const QPixmap stripes = qvariant_cast<QPixmap>(model.index(row).data(Qt::DecorationRole));
        QCOMPARE(stripes.size(), QSize(300, 500).scaled(56, 56, Qt::KeepAspectRatio));
    }

    void largeStoreListsInPages() {
        constexpr int kLarge = 100000;
        QElapsedTimer timer;
        timer.start();
        auto db = std::make_shared<store::AnnotationStore>(mDir.filePath(QStringLiteral("large.sqlite")).toStdString());
        fillStore(*db, kLarge);
        const qint64 fillMs = timer.restart();

        DatasetBrowser browser;
        browser.resize(320, 700);
        browser.setStore(db);
        browser.show();
        QVERIFY(QTest::qWaitForWindowExposed(&browser));
        const qint64 openMs = timer.restart();
        QCOMPARE(browser.model()->rowCount(), kLarge);
        QListView* view = browser.view();
        view->scrollToBottom();
        QCoreApplication::processEvents();
        view->viewport()->repaint();
        const qint64 bottomMs = timer.restart();
        // Only the pages on screen were read: the top and the bottom.
        QVERIFY2(browser.model()->pageLoads() <= 4, qPrintable(QString::number(browser.model()->pageLoads())));
        QCOMPARE(generatedIndex(browser.model()->sampleAt(kLarge - 1)->key), kLarge - 1);

        browser.setSort(store::SampleSort::LowestModelConfidence, false);
        view->scrollToBottom();
        view->viewport()->repaint();
        const qint64 sortMs = timer.restart();
        browser.setSearchText(QStringLiteral("hexagon"));
        view->viewport()->repaint();
        const qint64 searchMs = timer.restart();
        QCOMPARE(browser.model()->shownCount(), countWhere(kLarge, [](int i) { return i % 5 == 3; }));
        qInfo("100k samples: fill %lld ms, open %lld ms, scroll to bottom %lld ms, sort by confidence + bottom "
              "%lld ms, caption search %lld ms",
              fillMs, openMs, bottomMs, sortMs, searchMs);
    }
};

QTEST_MAIN(TestDatasetBrowser)
#include "test_dataset_browser.moc"
