#include "ui/training/metricchart.h"

#include <QChart>
#include <QGraphicsLayout>
#include <QLineSeries>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace kosmos::ui {

MetricChart::MetricChart(const QString& title, QWidget* parent)
    : QChartView(parent), mX(new QValueAxis), mY(new QValueAxis) {
    // The view's own chart: a replacement passed to setChart() would orphan it (the view releases, never
    // deletes, the chart it drops).
    QChart* chart = this->chart();
    // No axis titles and thin margins: in a panel a few hundred pixels high, Qt Charts otherwise cuts the
    // tick labels to "…". The title names the quantity and the steps.
    chart->setTitle(title);
    chart->setMargins(QMargins(2, 2, 2, 2));
    chart->layout()->setContentsMargins(0, 0, 0, 0);
    chart->setBackgroundRoundness(0);
    chart->legend()->setAlignment(Qt::AlignBottom);
    QFont small = chart->legend()->font();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    chart->legend()->setFont(small);
    chart->setAnimationOptions(QChart::NoAnimation);
    mX->setLabelFormat(QStringLiteral("%d"));
    mX->setTickType(QValueAxis::TicksDynamic);   // whole steps only, however few there are
    mX->setTickAnchor(0);
    mY->setLabelFormat(QStringLiteral("%.3g"));
    chart->addAxis(mX, Qt::AlignBottom);
    chart->addAxis(mY, Qt::AlignLeft);
    setRenderHint(QPainter::Antialiasing);
    setMinimumSize(180, 150);
    fitAxes();
}

int MetricChart::addSeries(const QString& name, bool showPoints) {
    auto* series = new QLineSeries;
    series->setName(name);
    series->setPointsVisible(showPoints);
    chart()->addSeries(series);
    series->attachAxis(mX);
    series->attachAxis(mY);
    mSeries.append(series);
    chart()->legend()->setVisible(mSeries.size() > 1);
    return mSeries.size() - 1;
}

void MetricChart::setFixedYRange(double low, double high) {
    mFixedY = low < high;
    if (mFixedY) {
        mMinY = low;
        mMaxY = high;
    }
    fitAxes();
}

void MetricChart::append(int index, double x, double y) {
    QLineSeries* s = mSeries.value(index);
    if (!s || !std::isfinite(x) || !std::isfinite(y)) return;
    s->append(x, y);
    if (mEmpty) {
        mMinX = mMaxX = x;
        if (!mFixedY) mMinY = mMaxY = y;
        mEmpty = false;
    }
    mMinX = std::min(mMinX, x);
    mMaxX = std::max(mMaxX, x);
    if (!mFixedY) {
        mMinY = std::min(mMinY, y);
        mMaxY = std::max(mMaxY, y);
    }
    fitAxes();
}

void MetricChart::clear() {
    for (QLineSeries* s : std::as_const(mSeries)) s->clear();
    mEmpty = true;
    mMinX = 0;
    mMaxX = 1;
    if (!mFixedY) {
        mMinY = 0;
        mMaxY = 1;
    }
    fitAxes();
}

int MetricChart::pointCount(int index) const {
    const QLineSeries* s = mSeries.value(index);
    return s ? s->count() : 0;
}

void MetricChart::fitAxes() {
    const double span = std::max(mMaxX - mMinX, 1.0);
    mX->setRange(mMinX, mMinX + span);
    // 1, 2 or 5 times a power of ten, at least one step, for about five ticks.
    const double raw = std::max(1.0, span / 5);
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    const double unit = raw / magnitude <= 1 ? 1 : raw / magnitude <= 2 ? 2 : raw / magnitude <= 5 ? 5 : 10;
    mX->setTickInterval(unit * magnitude);
    if (mFixedY) {
        mY->setRange(mMinY, mMaxY);
        mY->setTickCount(3);   // low, middle, high: more crowd a small chart until Qt cuts the labels to "…"
        return;
    }
    if (mEmpty) {
        mY->setRange(0, 1);
        return;
    }
    const double pad = std::max(1e-6, (mMaxY - mMinY) * 0.08);
    mY->setRange(mMinY - pad, mMaxY + pad);
}

} // namespace kosmos::ui
