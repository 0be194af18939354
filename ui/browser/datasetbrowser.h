#pragma once
// The dataset browser: the samples of the open store as a list with thumbnails, filtered by split,
// review state, entity source, low model confidence and caption text, sorted (lowest model
// confidence first, recently changed, key, …), with the count shown of the total. Activating a
// sample (double click, Enter) asks the window to open it.
#include <QWidget>

#include <memory>
#include <optional>

#include "core/sample.h"
#include "ui/browser/samplelistmodel.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QListView;
class QPushButton;
class QStackedWidget;
class QToolButton;

namespace kosmos::ui {

class ThumbnailCache;

class DatasetBrowser : public QWidget {
    Q_OBJECT
public:
    explicit DatasetBrowser(QWidget* parent = nullptr);
    ~DatasetBrowser() override;

    void setStore(std::shared_ptr<kosmos::store::AnnotationStore> store);
    SampleListModel* model() const { return mModel; }
    QListView* view() const { return mView; }
    ThumbnailCache* thumbnails() const { return mThumbnails; }

    // The query the controls describe.
    SampleQuery query() const;
    void setSplitFilter(std::optional<kosmos::store::Split> split);
    void setReviewFilter(std::optional<kosmos::store::ReviewState> state);
    void setSourceFilter(std::optional<kosmos::store::EntitySource> source);
    void setLowConfidenceFilter(bool enabled, double threshold);
    void setSearchText(const QString& text);   // applied at once (typing waits kSearchDelayMs)
    void setSort(kosmos::store::SampleSort sort, bool descending);
    void refresh();

    // "120 of 400 samples".
    QString countText() const;
    // Emits sampleActivated for the row's sample; false when there is none.
    bool activateRow(int row);
    qint64 currentSampleId() const;
    // Shows the "Open Sample Images" offer while the store is empty.
    void setSampleImagesAvailable(bool available);

    static constexpr int kSearchDelayMs = 250;

signals:
    void sampleActivated(qint64 sampleId);
    void openSampleImagesRequested();
    void importSamplesRequested();   // the sample images' annotations into the open (empty) store
    void importRequested();

private:
    void buildControls();
    void applyQuery();
    void updateCounts();
    void updateEmptyState();

    SampleListModel* mModel;
    ThumbnailCache* mThumbnails;
    QLineEdit* mSearch = nullptr;
    QComboBox* mSplit = nullptr;
    QComboBox* mReview = nullptr;
    QComboBox* mSource = nullptr;
    QCheckBox* mLowConfidence = nullptr;
    QDoubleSpinBox* mThreshold = nullptr;
    QComboBox* mSort = nullptr;
    QToolButton* mDescending = nullptr;
    QLabel* mCount = nullptr;
    QStackedWidget* mStack = nullptr;
    QListView* mView = nullptr;
    QLabel* mEmptyText = nullptr;
    QPushButton* mOpenSamples = nullptr;
    QPushButton* mImport = nullptr;
    QTimer* mSearchTimer = nullptr;
    bool mSampleImagesAvailable = false;
    bool mApplying = false;
};

} // namespace kosmos::ui
