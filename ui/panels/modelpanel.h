#pragma once
// The model in use: its folder and summary, the device and precision to load it with.
#include <QStringList>
#include <QWidget>

#include "model/engine/engine.h"

class QAction;
class QComboBox;
class QLabel;
class QPushButton;

namespace kosmos::ui {

class ModelPanel : public QWidget {
    Q_OBJECT
public:
    ModelPanel(QAction* openModel, QWidget* parent = nullptr);

    // Devices as kosmos::runtimeInfo() lists them ("cpu", "cuda", "cuda:0 (name)").
    void setDevices(const QStringList& devices);
    QString device() const;
    void setDevice(const QString& device);
    QString dtype() const;
    void setDtype(const QString& dtype);

    void showNoModel(const QString& hint);
    void showLoading(const QString& folder);
    void showLoaded(const kosmos::ModelSummary& summary);
    void showFailed(const QString& folder, const QString& error);

    QLabel* statusLabel() const { return mStatus; }

signals:
    // Load the current folder again with the chosen device / precision.
    void reloadRequested();

private:
    QLabel* mFolder;
    QLabel* mStatus;
    QComboBox* mDevice;
    QComboBox* mDtype;
    QPushButton* mReload;
    bool mHasFolder = false;
};

} // namespace kosmos::ui
