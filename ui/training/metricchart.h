#pragma once
// A small live line chart (Qt Charts) of one or more metrics over training steps; the axes follow the
// data. Used for the loss and for the evaluation scores.
#include <QChartView>
#include <QList>
#include <QString>

class QLineSeries;
class QValueAxis;

namespace kosmos::ui {

class MetricChart : public QChartView {
    Q_OBJECT
public:
    explicit MetricChart(const QString& title, QWidget* parent = nullptr);

    // Returns the series' index. A fixed [low, high] y range (e.g. 0..1 for accuracies) when low < high.
    int addSeries(const QString& name, bool showPoints = false);
    void setFixedYRange(double low, double high);
    void append(int series, double x, double y);
    void clear();

    int pointCount(int series) const;
    QLineSeries* series(int index) const { return mSeries.value(index); }

private:
    void fitAxes();

    QList<QLineSeries*> mSeries;
    QValueAxis* mX;
    QValueAxis* mY;
    bool mFixedY = false;
    double mMinX = 0, mMaxX = 1, mMinY = 0, mMaxY = 1;
    bool mEmpty = true;
};

} // namespace kosmos::ui
