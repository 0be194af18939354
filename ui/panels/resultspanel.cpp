#include "ui/panels/resultspanel.h"

#include <QAction>
#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QSplitter>
#include <QToolButton>
#include <QVBoxLayout>

#include "ui/canvas/heatmapimage.h"
#include "ui/document/entityfiltermodel.h"
#include "ui/document/entitylistmodel.h"
#include "ui/document/resultdocument.h"
#include "ui/panels/captionview.h"
#include "ui/panels/entitytableview.h"
#include "ui/textformat.h"

namespace kosmos::ui {
namespace {

QString legendSwatch(const QColor& color) {
    return QStringLiteral("<span style='color:%1'>&#9632;</span>").arg(color.name());
}

} // namespace

ResultsPanel::ResultsPanel(ResultDocument* document, QAction* heatmapAction, QWidget* parent)
    : QWidget(parent),
      mDocument(document),
      mCaption(new CaptionView(document, this)),
      mTable(new EntityTableView(document, this)),
      mHideLow(new QCheckBox(tr("Hide boxes below"), this)),
      mThreshold(new QSlider(Qt::Horizontal, this)),
      mThresholdLabel(new QLabel(this)),
      mSummary(new QLabel(this)),
      mHeatmapButton(new QToolButton(this)) {
    mHideLow->setObjectName(QStringLiteral("hideLowConfidence"));
    mThreshold->setObjectName(QStringLiteral("confidenceThreshold"));
    mThreshold->setRange(0, 100);
    mThreshold->setPageStep(5);
    mThreshold->setToolTip(tr("Confidence threshold: p(upper-left token) x p(lower-right token)"));
    mThresholdLabel->setMinimumWidth(mThresholdLabel->fontMetrics().horizontalAdvance(QStringLiteral("100 %")));
    mSummary->setObjectName(QStringLiteral("resultSummary"));
    mSummary->setTextFormat(Qt::PlainText);

    mHeatmapButton->setDefaultAction(heatmapAction);
    mHeatmapButton->setToolButtonStyle(Qt::ToolButtonTextOnly);
    auto* legend = new QLabel(tr("%1 upper-left  %2 lower-right corner token")
                                  .arg(legendSwatch(kUpperLeftHeatColor), legendSwatch(kLowerRightHeatColor)),
                              this);
    legend->setTextFormat(Qt::RichText);

    auto* filterRow = new QHBoxLayout;
    filterRow->addWidget(mHideLow);
    filterRow->addWidget(mThreshold, 1);
    filterRow->addWidget(mThresholdLabel);
    auto* heatRow = new QHBoxLayout;
    heatRow->addWidget(mHeatmapButton);
    heatRow->addWidget(legend, 1);

    auto* tableBox = new QWidget(this);
    auto* tableLayout = new QVBoxLayout(tableBox);
    tableLayout->setContentsMargins(0, 0, 0, 0);
    tableLayout->addWidget(mSummary);
    tableLayout->addWidget(mTable, 1);
    tableLayout->addLayout(filterRow);
    tableLayout->addLayout(heatRow);

    auto* splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(mCaption);
    splitter->addWidget(tableBox);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);
    splitter->setChildrenCollapsible(false);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(splitter);

    connect(mHideLow, &QCheckBox::toggled, this, &ResultsPanel::applyFilter);
    connect(mThreshold, &QSlider::valueChanged, this, &ResultsPanel::applyFilter);
    connect(document, &ResultDocument::resultChanged, this, &ResultsPanel::updateSummary);
    connect(document->visibleEntities(), &EntityFilterModel::filterChanged, this, &ResultsPanel::updateSummary);
    connect(document->visibleEntities(), &QAbstractItemModel::modelReset, this, &ResultsPanel::updateSummary);
    setFilter(false, 0.1);
    updateSummary();
}

void ResultsPanel::setFilter(bool hideLowConfidence, double threshold) {
    mThreshold->setValue(qRound(threshold * 100));
    mHideLow->setChecked(hideLowConfidence);
    applyFilter();
}

void ResultsPanel::applyFilter() {
    EntityFilterModel* filter = mDocument->visibleEntities();
    mThresholdLabel->setText(QStringLiteral("%1 %").arg(mThreshold->value()));
    mThreshold->setEnabled(mHideLow->isChecked());
    filter->setThreshold(mThreshold->value() / 100.0);
    filter->setHideLowConfidence(mHideLow->isChecked());
}

void ResultsPanel::updateSummary() {
    const int total = mDocument->entities()->rowCount();
    const int shown = mDocument->visibleEntities()->rowCount();
    if (!mDocument->hasResult())
        mSummary->setText(tr("No result"));
    else if (shown == total)
        mSummary->setText(countOf(total, tr("box"), tr("boxes")));
    else
        mSummary->setText(tr("%1 of %2 shown").arg(shown).arg(countOf(total, tr("box"), tr("boxes"))));
}

} // namespace kosmos::ui
