#pragma once
// The result of the current image: caption with highlighted phrases, the entity list, the
// low-confidence filter and the heat-map switch.
#include <QWidget>

class QAction;
class QCheckBox;
class QLabel;
class QSlider;
class QToolButton;

namespace kosmos::ui {

class CaptionView;
class EntityTableView;
class ResultDocument;

class ResultsPanel : public QWidget {
    Q_OBJECT
public:
    ResultsPanel(ResultDocument* document, QAction* heatmapAction, QWidget* parent = nullptr);

    CaptionView* captionView() const { return mCaption; }
    EntityTableView* entityTable() const { return mTable; }
    QCheckBox* hideLowConfidenceBox() const { return mHideLow; }
    QSlider* thresholdSlider() const { return mThreshold; }

    // Applies a stored filter state (threshold in [0,1]).
    void setFilter(bool hideLowConfidence, double threshold);

private:
    void applyFilter();
    void updateSummary();

    ResultDocument* mDocument;
    CaptionView* mCaption;
    EntityTableView* mTable;
    QCheckBox* mHideLow;
    QSlider* mThreshold;
    QLabel* mThresholdLabel;
    QLabel* mSummary;
    QToolButton* mHeatmapButton;
};

} // namespace kosmos::ui
