#include "ui/dataset/storejobdialog.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>

#include <algorithm>

#include "ui/dataset/storejob.h"
#include "ui/textformat.h"

namespace kosmos::ui {

StoreJobDialog::StoreJobDialog(StoreJob* job, QWidget* parent) : QDialog(parent), mJob(job) {
    setObjectName(QStringLiteral("storeJobDialog"));
    setWindowTitle(tr("Annotation Store"));
    setModal(false);
    mTitle = new QLabel(this);
    QFont bold = mTitle->font();
    bold.setBold(true);
    mTitle->setFont(bold);
    mStatus = new QLabel(this);
    mStatus->setObjectName(QStringLiteral("storeJobStatus"));
    mStatus->setWordWrap(true);
    mStatus->setTextInteractionFlags(Qt::TextSelectableByMouse);
    mBar = new QProgressBar(this);
    mBar->setObjectName(QStringLiteral("storeJobProgress"));
    mBar->setRange(0, 1000);
    mIssuesLabel = new QLabel(this);
    mIssues = new QListWidget(this);
    mIssues->setObjectName(QStringLiteral("storeJobIssues"));
    mIssues->setUniformItemSizes(true);
    mIssues->setMinimumHeight(120);
    auto* buttons = new QDialogButtonBox(this);
    mCancel = buttons->addButton(QDialogButtonBox::Cancel);
    mClose = buttons->addButton(QDialogButtonBox::Close);
    connect(mCancel, &QPushButton::clicked, this, [this] {
        mJob->cancel();
        mCancel->setEnabled(false);
        mStatus->setText(tr("Cancelling…"));
    });
    connect(mClose, &QPushButton::clicked, this, &QDialog::accept);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(mTitle);
    layout->addWidget(mStatus);
    layout->addWidget(mBar);
    layout->addWidget(mIssuesLabel);
    layout->addWidget(mIssues, 1);
    layout->addWidget(buttons);
    resize(560, 360);

    connect(job, &StoreJob::started, this, &StoreJobDialog::onStarted);
    connect(job, &StoreJob::progress, this, &StoreJobDialog::onProgress);
    connect(job, &StoreJob::issue, this, &StoreJobDialog::onIssue);
    connect(job, &StoreJob::finished, this, &StoreJobDialog::onFinished);
    onStarted({});
}

void StoreJobDialog::onStarted(const QString& title) {
    mTitle->setText(title);
    mStatus->setText(tr("Starting…"));
    mBar->setRange(0, 0);
    mIssues->clear();
    mIssuesLabel->setText(tr("No problems so far."));
    mIssues->setVisible(false);
    mCancel->setEnabled(true);
    mCancel->setVisible(true);
    mClose->setVisible(false);
}

void StoreJobDialog::onProgress(double fraction, const QString& what) {
    if (fraction < 0) {
        mBar->setRange(0, 0);
    } else {
        mBar->setRange(0, 1000);
        mBar->setValue(qRound(std::clamp(fraction, 0.0, 1.0) * 1000));
    }
    if (mCancel->isEnabled()) mStatus->setText(what);
}

void StoreJobDialog::onIssue(const QString& text) {
    auto* item = new QListWidgetItem(text, mIssues);
    item->setToolTip(text);
    mIssues->setVisible(true);
    mIssuesLabel->setText(tr("Rejected: %1").arg(countOf(mIssues->count(), tr("record"), tr("records"))));
}

void StoreJobDialog::onFinished(bool ok, bool cancelled) {
    mBar->setRange(0, 1000);
    mBar->setValue(ok && !cancelled ? 1000 : mBar->value());
    mStatus->setText(ok ? mJob->summaryText() : tr("Failed: %1").arg(mJob->summaryText()));
    mCancel->setVisible(false);
    mClose->setVisible(true);
    mClose->setDefault(true);
}

} // namespace kosmos::ui
