#include "ui/browser/datasetbrowser.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QGridLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPushButton>
#include <QSignalBlocker>
#include <QStackedWidget>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include "ui/browser/sampleitemdelegate.h"
#include "ui/browser/thumbnailcache.h"
#include "ui/textformat.h"

namespace kosmos::ui {

namespace store = kosmos::store;

namespace {

constexpr int kAll = -1;

template <typename Enum>
std::optional<Enum> chosen(const QComboBox* combo) {
    const int value = combo->currentData().toInt();
    return value == kAll ? std::nullopt : std::optional<Enum>(static_cast<Enum>(value));
}

template <typename Enum>
void choose(QComboBox* combo, std::optional<Enum> value) {
    const int index = combo->findData(value ? static_cast<int>(*value) : kAll);
    if (index >= 0) combo->setCurrentIndex(index);
}

QString capitalised(const char* name) {
    QString text = QString::fromLatin1(name);
    if (!text.isEmpty()) text[0] = text[0].toUpper();
    return text;
}

// "Train (1 204)": the item's name with the number of samples it selects.
template <typename Enum>
void showCounts(QComboBox* combo, const std::map<Enum, std::int64_t>& counts) {
    for (int i = 0; i < combo->count(); ++i) {
        const int value = combo->itemData(i).toInt();
        if (value == kAll) continue;
        const auto found = counts.find(static_cast<Enum>(value));
        const QString name = capitalised(store::toString(static_cast<Enum>(value)));
        combo->setItemText(i, found == counts.end() ? name : QStringLiteral("%1 (%L2)").arg(name).arg(found->second));
    }
}

} // namespace

DatasetBrowser::DatasetBrowser(QWidget* parent)
    : QWidget(parent),
      mModel(new SampleListModel(this)),
      mThumbnails(new ThumbnailCache(QSize(SampleItemDelegate::kThumbSide, SampleItemDelegate::kThumbSide),
                                     qApp->devicePixelRatio(), this)) {
    setObjectName(QStringLiteral("datasetBrowser"));
    mModel->setThumbnails(mThumbnails);
    buildControls();
    connect(mModel, &SampleListModel::countsChanged, this, &DatasetBrowser::updateCounts);
    updateCounts();
}

DatasetBrowser::~DatasetBrowser() {
    // The view may still paint during destruction: detach it from the model first.
    mView->setModel(nullptr);
}

void DatasetBrowser::buildControls() {
    mSearch = new QLineEdit(this);
    mSearch->setObjectName(QStringLiteral("browserSearch"));
    mSearch->setPlaceholderText(tr("Search captions"));
    mSearch->setClearButtonEnabled(true);
    mSearchTimer = new QTimer(this);
    mSearchTimer->setSingleShot(true);
    mSearchTimer->setInterval(kSearchDelayMs);
    connect(mSearch, &QLineEdit::textChanged, mSearchTimer, qOverload<>(&QTimer::start));
    connect(mSearchTimer, &QTimer::timeout, this, &DatasetBrowser::applyQuery);

    mSplit = new QComboBox(this);
    mSplit->setObjectName(QStringLiteral("browserSplit"));
    mSplit->setToolTip(tr("Split"));
    mSplit->addItem(tr("All splits"), kAll);
    for (store::Split split : {store::Split::Train, store::Split::Validation, store::Split::Test})
        mSplit->addItem(capitalised(store::toString(split)), static_cast<int>(split));

    mReview = new QComboBox(this);
    mReview->setObjectName(QStringLiteral("browserReview"));
    mReview->setToolTip(tr("Review state"));
    mReview->addItem(tr("Any review state"), kAll);
    for (store::ReviewState state : {store::ReviewState::Unreviewed, store::ReviewState::Corrected,
                                     store::ReviewState::Accepted, store::ReviewState::Rejected})
        mReview->addItem(capitalised(store::toString(state)), static_cast<int>(state));

    mSource = new QComboBox(this);
    mSource->setObjectName(QStringLiteral("browserSource"));
    mSource->setToolTip(tr("Samples with entities from this source"));
    mSource->addItem(tr("Any source"), kAll);
    for (store::EntitySource source : {store::EntitySource::Imported, store::EntitySource::Model, store::EntitySource::Human})
        mSource->addItem(capitalised(store::toString(source)), static_cast<int>(source));

    mLowConfidence = new QCheckBox(tr("Model box below"), this);
    mLowConfidence->setObjectName(QStringLiteral("browserLowConfidence"));
    mLowConfidence->setToolTip(tr("Only samples with a model box whose confidence is below the threshold"));
    mThreshold = new QDoubleSpinBox(this);
    mThreshold->setObjectName(QStringLiteral("browserThreshold"));
    mThreshold->setRange(0.0, 1.0);
    mThreshold->setSingleStep(0.05);
    mThreshold->setDecimals(2);
    mThreshold->setValue(0.5);
    mThreshold->setEnabled(false);
    connect(mLowConfidence, &QCheckBox::toggled, mThreshold, &QWidget::setEnabled);

    mSort = new QComboBox(this);
    mSort->setObjectName(QStringLiteral("browserSort"));
    mSort->setToolTip(tr("Sort the list"));
    mSort->addItem(tr("Stored order"), static_cast<int>(store::SampleSort::Id));
    mSort->addItem(tr("Lowest confidence"), static_cast<int>(store::SampleSort::LowestModelConfidence));
    mSort->addItem(tr("Recently changed"), static_cast<int>(store::SampleSort::RecentlyUpdated));
    mSort->addItem(tr("Key"), static_cast<int>(store::SampleSort::Key));
    mSort->addItem(tr("Entity count"), static_cast<int>(store::SampleSort::EntityCount));
    mDescending = new QToolButton(this);
    mDescending->setObjectName(QStringLiteral("browserDescending"));
    mDescending->setCheckable(true);
    mDescending->setAutoRaise(true);
    mDescending->setText(QStringLiteral("↑"));
    mDescending->setToolTip(tr("Reverse the order"));
    connect(mDescending, &QToolButton::toggled, this, [this](bool on) { mDescending->setText(on ? QStringLiteral("↓") : QStringLiteral("↑")); });

    for (QComboBox* combo : {mSplit, mReview, mSource, mSort}) {
        combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        combo->setMinimumContentsLength(8);
    }
    for (QComboBox* combo : {mSplit, mReview, mSource})
        connect(combo, &QComboBox::currentIndexChanged, this, &DatasetBrowser::applyQuery);
    // "Recently changed" and "entity count" read best from the top of the scale.
    connect(mSort, &QComboBox::currentIndexChanged, this, [this] {
        if (!mApplying) {
            const auto sort = static_cast<store::SampleSort>(mSort->currentData().toInt());
            const QSignalBlocker blocker(mDescending);
            mDescending->setChecked(sort == store::SampleSort::RecentlyUpdated || sort == store::SampleSort::EntityCount);
            mDescending->setText(mDescending->isChecked() ? QStringLiteral("↓") : QStringLiteral("↑"));
        }
        applyQuery();
    });
    connect(mLowConfidence, &QCheckBox::toggled, this, &DatasetBrowser::applyQuery);
    connect(mThreshold, &QDoubleSpinBox::valueChanged, this, [this] {
        if (mLowConfidence->isChecked()) applyQuery();
    });
    connect(mDescending, &QToolButton::toggled, this, &DatasetBrowser::applyQuery);

    mCount = new QLabel(this);
    mCount->setObjectName(QStringLiteral("browserCount"));
    QPalette dim = mCount->palette();
    dim.setColor(QPalette::WindowText, dim.color(QPalette::PlaceholderText));
    mCount->setPalette(dim);

    mView = new QListView(this);
    mView->setObjectName(QStringLiteral("browserList"));
    mView->setModel(mModel);
    mView->setItemDelegate(new SampleItemDelegate(mView));
    mView->setUniformItemSizes(true);
    mView->setSelectionMode(QAbstractItemView::SingleSelection);
    mView->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    mView->setEditTriggers(QAbstractItemView::NoEditTriggers);
    connect(mView, &QListView::activated, this, [this](const QModelIndex& index) { activateRow(index.row()); });

    auto* empty = new QWidget(this);
    mEmptyText = new QLabel(empty);
    mEmptyText->setObjectName(QStringLiteral("browserEmptyText"));
    mEmptyText->setWordWrap(true);
    mEmptyText->setAlignment(Qt::AlignCenter);
    mOpenSamples = new QPushButton(tr("Open Sample Images"), empty);
    mOpenSamples->setObjectName(QStringLiteral("openSampleImagesButton"));
    mImport = new QPushButton(tr("Import Annotations…"), empty);
    mImport->setObjectName(QStringLiteral("browserImportButton"));
    connect(mOpenSamples, &QPushButton::clicked, this, [this] {
        // An empty store is filled with the samples' annotations; without a store, the pictures are opened.
        if (mModel->store()) emit importSamplesRequested();
        else emit openSampleImagesRequested();
    });
    connect(mImport, &QPushButton::clicked, this, &DatasetBrowser::importRequested);
    auto* emptyLayout = new QVBoxLayout(empty);
    emptyLayout->addStretch(1);
    emptyLayout->addWidget(mEmptyText);
    emptyLayout->addWidget(mOpenSamples, 0, Qt::AlignHCenter);
    emptyLayout->addWidget(mImport, 0, Qt::AlignHCenter);
    emptyLayout->addStretch(2);

    mStack = new QStackedWidget(this);
    mStack->addWidget(mView);
    mStack->addWidget(empty);

    auto* grid = new QGridLayout;
    grid->setContentsMargins(0, 0, 0, 0);
    grid->setHorizontalSpacing(4);
    grid->setVerticalSpacing(4);
    grid->addWidget(mSearch, 0, 0, 1, 2);
    grid->addWidget(mSplit, 1, 0);
    grid->addWidget(mReview, 1, 1);
    grid->addWidget(mSource, 2, 0);
    auto* low = new QHBoxLayout;
    low->setSpacing(2);
    low->addWidget(mLowConfidence);
    low->addWidget(mThreshold);
    grid->addLayout(low, 2, 1);
    auto* sort = new QHBoxLayout;
    sort->setSpacing(2);
    sort->addWidget(mSort, 1);
    sort->addWidget(mDescending);
    grid->addLayout(sort, 3, 0);
    grid->addWidget(mCount, 3, 1, Qt::AlignRight | Qt::AlignVCenter);
    grid->setColumnStretch(0, 1);
    grid->setColumnStretch(1, 1);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->setSpacing(4);
    layout->addLayout(grid);
    layout->addWidget(mStack, 1);
}

void DatasetBrowser::setStore(std::shared_ptr<store::AnnotationStore> store) {
    mThumbnails->clear();
    mModel->setStore(std::move(store));
}

SampleQuery DatasetBrowser::query() const {
    SampleQuery query;
    query.filter.split = chosen<store::Split>(mSplit);
    query.filter.review = chosen<store::ReviewState>(mReview);
    query.filter.hasSource = chosen<store::EntitySource>(mSource);
    query.filter.captionContains = mSearch->text().trimmed().toStdString();
    query.filter.captionIgnoreCase = true;
    if (mLowConfidence->isChecked()) query.filter.modelConfidenceBelow = mThreshold->value();
    query.sort = static_cast<store::SampleSort>(mSort->currentData().toInt());
    query.descending = mDescending->isChecked();
    return query;
}

void DatasetBrowser::applyQuery() {
    if (mApplying) return;
    mSearchTimer->stop();
    mModel->setQuery(query());
    updateEmptyState();
}

void DatasetBrowser::setSplitFilter(std::optional<store::Split> split) { choose(mSplit, split); }
void DatasetBrowser::setReviewFilter(std::optional<store::ReviewState> state) { choose(mReview, state); }
void DatasetBrowser::setSourceFilter(std::optional<store::EntitySource> source) { choose(mSource, source); }

void DatasetBrowser::setLowConfidenceFilter(bool enabled, double threshold) {
    mApplying = true;
    mThreshold->setValue(threshold);
    mLowConfidence->setChecked(enabled);
    mApplying = false;
    applyQuery();
}

void DatasetBrowser::setSearchText(const QString& text) {
    mSearch->setText(text);
    applyQuery();
}

void DatasetBrowser::setSort(store::SampleSort sort, bool descending) {
    mApplying = true;
    mDescending->setChecked(descending);
    const int index = mSort->findData(static_cast<int>(sort));
    if (index >= 0) mSort->setCurrentIndex(index);
    mApplying = false;
    applyQuery();
}

void DatasetBrowser::refresh() { mModel->refresh(); }

QString DatasetBrowser::countText() const { return mCount->text(); }

bool DatasetBrowser::activateRow(int row) {
    const qint64 id = mModel->sampleIdAt(row);
    if (id <= 0) return false;
    mView->setCurrentIndex(mModel->index(row));
    emit sampleActivated(id);
    return true;
}

qint64 DatasetBrowser::currentSampleId() const {
    const QModelIndex current = mView->currentIndex();
    return current.isValid() ? mModel->sampleIdAt(current.row()) : 0;
}

void DatasetBrowser::setSampleImagesAvailable(bool available) {
    mSampleImagesAvailable = available;
    updateEmptyState();
}

void DatasetBrowser::updateCounts() {
    const store::SampleFacets& facets = mModel->facets();
    showCounts(mSplit, facets.bySplit);
    showCounts(mReview, facets.byReview);
    showCounts(mSource, facets.bySource);
    const qint64 total = mModel->totalCount();
    const qint64 shown = mModel->shownCount();
    mCount->setText(shown == total ? countOf(total, tr("sample"), tr("samples"))
                                   : tr("%L1 of %2").arg(shown).arg(countOf(total, tr("sample"), tr("samples"))));
    updateEmptyState();
}

void DatasetBrowser::updateEmptyState() {
    const bool hasStore = mModel->store() != nullptr;
    const bool storeEmpty = mModel->totalCount() == 0;
    if (hasStore && mModel->shownCount() > 0) {
        mStack->setCurrentIndex(0);
        return;
    }
    if (!hasStore) {
        mEmptyText->setText(tr("No annotation store is open.\nFile ▸ Open Store… or New Store…"));
    } else if (storeEmpty) {
        mEmptyText->setText(tr("This store has no samples yet.\nImport GRIT annotations, or run the model on a folder "
                               "of images (Run ▸ Run on Folder) to fill it."));
    } else {
        mEmptyText->setText(tr("No sample matches these filters."));
    }
    mOpenSamples->setText(hasStore ? tr("Import the Sample Annotations") : tr("Open Sample Images"));
    mOpenSamples->setToolTip(hasStore ? tr("Import the annotations of the synthetic sample pictures into this store")
                                      : tr("Open the synthetic sample pictures that come with the workbench"));
    mOpenSamples->setVisible(mSampleImagesAvailable && (storeEmpty || !hasStore));
    mImport->setVisible(hasStore && storeEmpty);
    mStack->setCurrentIndex(1);
}

} // namespace kosmos::ui
