#pragma once
// Progress of an import or export: what is being read or written, a bar, every rejected record by
// file and record, Cancel while it runs and Close when it is done. Not modal: the window stays usable.
#include <QDialog>

class QDialogButtonBox;
class QLabel;
class QListWidget;
class QProgressBar;
class QPushButton;

namespace kosmos::ui {

class StoreJob;

class StoreJobDialog : public QDialog {
    Q_OBJECT
public:
    StoreJobDialog(StoreJob* job, QWidget* parent = nullptr);

    QProgressBar* progressBar() const { return mBar; }
    QListWidget* issueList() const { return mIssues; }
    QLabel* statusLabel() const { return mStatus; }
    QPushButton* cancelButton() const { return mCancel; }

private:
    void onStarted(const QString& title);
    void onProgress(double fraction, const QString& what);
    void onIssue(const QString& text);
    void onFinished(bool ok, bool cancelled);

    StoreJob* mJob;
    QLabel* mTitle;
    QLabel* mStatus;
    QProgressBar* mBar;
    QLabel* mIssuesLabel;
    QListWidget* mIssues;
    QPushButton* mCancel;
    QPushButton* mClose;
};

} // namespace kosmos::ui
