#include "ui/panels/modelpanel.h"

#include <QAction>
#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QToolButton>
#include <QVBoxLayout>

namespace kosmos::ui {
namespace {

QString folderName(const QString& folder) {
    const QString name = QFileInfo(folder).fileName();
    return name.isEmpty() ? QDir::toNativeSeparators(folder) : name;
}

} // namespace

ModelPanel::ModelPanel(QAction* openModel, QWidget* parent)
    : QWidget(parent),
      mFolder(new QLabel(this)),
      mStatus(new QLabel(this)),
      mDevice(new QComboBox(this)),
      mDtype(new QComboBox(this)),
      mReload(new QPushButton(tr("Reload"), this)) {
    mFolder->setObjectName(QStringLiteral("modelFolder"));
    mFolder->setTextInteractionFlags(Qt::TextSelectableByMouse);
    mFolder->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);   // a long name is cut; the tooltip has it all
    mStatus->setObjectName(QStringLiteral("modelStatus"));
    mStatus->setWordWrap(true);
    mStatus->setTextInteractionFlags(Qt::TextSelectableByMouse);
    mDevice->setObjectName(QStringLiteral("deviceCombo"));
    mDtype->setObjectName(QStringLiteral("dtypeCombo"));
    mDtype->addItem(tr("f32 (exact)"), QStringLiteral("f32"));
    mDtype->addItem(tr("bf16"), QStringLiteral("bf16"));
    mDtype->addItem(tr("f16"), QStringLiteral("f16"));
    mDtype->addItem(tr("int8 weights (CPU, faster text)"), QStringLiteral("int8"));
    mReload->setToolTip(tr("Load the model again with this device and precision"));
    mReload->setEnabled(false);

    auto* open = new QToolButton(this);
    open->setDefaultAction(openModel);
    open->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);

    auto* folderRow = new QHBoxLayout;
    folderRow->addWidget(mFolder, 1);
    folderRow->addWidget(open);
    auto* precisionRow = new QHBoxLayout;
    precisionRow->addWidget(mDtype, 1);
    precisionRow->addWidget(mReload);
    for (QComboBox* box : {mDevice, mDtype}) {
        // A long device or precision name must not widen the right-hand column.
        box->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        box->setMinimumContentsLength(12);
    }

    auto* form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(tr("Model"), folderRow);
    form->addRow(tr("Device"), mDevice);
    form->addRow(tr("Precision"), precisionRow);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(form);
    layout->addWidget(mStatus);
    layout->addStretch(1);

    connect(mReload, &QPushButton::clicked, this, &ModelPanel::reloadRequested);
    setDevices({QStringLiteral("cpu")});
    showNoModel({});
}

void ModelPanel::setDevices(const QStringList& devices) {
    const QString current = device();
    mDevice->clear();
    for (const QString& d : devices) {
        // "cuda:0 (NVIDIA H100)" -> data "cuda:0"
        const QString id = d.section(QLatin1Char(' '), 0, 0);
        mDevice->addItem(d, id);
    }
    if (devices.size() > 1) mDevice->addItem(tr("auto"), QStringLiteral("auto"));
    setDevice(current);
}

QString ModelPanel::device() const {
    const QString d = mDevice->currentData().toString();
    return d.isEmpty() ? QStringLiteral("cpu") : d;
}

void ModelPanel::setDevice(const QString& device) {
    const int index = mDevice->findData(device);
    mDevice->setCurrentIndex(index >= 0 ? index : 0);
}

QString ModelPanel::dtype() const { return mDtype->currentData().toString(); }

void ModelPanel::setDtype(const QString& dtype) {
    const int index = mDtype->findData(dtype);
    mDtype->setCurrentIndex(index >= 0 ? index : 0);
}

void ModelPanel::showNoModel(const QString& hint) {
    mFolder->setText(tr("none"));
    mStatus->setText(hint.isEmpty() ? tr("Open a Hugging Face KOSMOS-2 folder (config.json, model.safetensors, "
                                         "sentencepiece.bpe.model).")
                                    : hint);
    mHasFolder = false;
    mReload->setEnabled(false);
}

void ModelPanel::showLoading(const QString& folder) {
    mFolder->setText(folderName(folder));
    mFolder->setToolTip(QDir::toNativeSeparators(folder));
    mStatus->setText(tr("Loading…"));
    mHasFolder = true;
    mReload->setEnabled(false);
}

void ModelPanel::showLoaded(const kosmos::ModelSummary& summary) {
    const QString folder = QString::fromStdString(summary.folder);
    mFolder->setText(folderName(folder));
    mFolder->setToolTip(QDir::toNativeSeparators(folder));
    const QLocale locale;
    mStatus->setText(tr("%1 parameters, vocabulary %2, image %3 px, on %4 (%5)")
                         .arg(locale.toString(static_cast<qlonglong>(summary.parameters)))
                         .arg(locale.toString(static_cast<qlonglong>(summary.vocabSize)))
                         .arg(summary.imageSize)
                         .arg(QString::fromStdString(summary.device), QString::fromStdString(summary.dtype)));
    mHasFolder = true;
    mReload->setEnabled(true);
}

void ModelPanel::showFailed(const QString& folder, const QString& error) {
    mFolder->setText(folderName(folder));
    mFolder->setToolTip(QDir::toNativeSeparators(folder));
    mStatus->setText(tr("Not loaded: %1").arg(error));
    mHasFolder = true;
    mReload->setEnabled(true);
}

} // namespace kosmos::ui
