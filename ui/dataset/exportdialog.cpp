#include "ui/dataset/exportdialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace kosmos::ui {

namespace store = kosmos::store;

namespace {
constexpr int kAll = -1;
}

ExportDialog::ExportDialog(const QString& suggestedFile, QWidget* parent) : QDialog(parent) {
    setObjectName(QStringLiteral("exportDialog"));
    setWindowTitle(tr("Export Dataset"));
    mFormat = new QComboBox(this);
    mFormat->addItem(tr("GRIT JSONL (every field, boxes normalised)"), static_cast<int>(store::ExportFormat::Grit));
    mFormat->addItem(tr("ODVG JSONL (Open-GroundingDino, pixel boxes)"), static_cast<int>(store::ExportFormat::Odvg));
    mFormat->addItem(tr("COCO JSON (MDETR-style grounding)"), static_cast<int>(store::ExportFormat::Coco));

    mSplit = new QComboBox(this);
    mSplit->addItem(tr("All splits"), kAll);
    for (store::Split split : {store::Split::Train, store::Split::Validation, store::Split::Test})
        mSplit->addItem(QString::fromLatin1(store::toString(split)), static_cast<int>(split));
    mReview = new QComboBox(this);
    mReview->addItem(tr("Any review state"), kAll);
    for (store::ReviewState state : {store::ReviewState::Unreviewed, store::ReviewState::Corrected,
                                     store::ReviewState::Accepted, store::ReviewState::Rejected})
        mReview->addItem(QString::fromLatin1(store::toString(state)), static_cast<int>(state));

    mImported = new QCheckBox(tr("Imported"), this);
    mModel = new QCheckBox(tr("Model"), this);
    mHuman = new QCheckBox(tr("Person"), this);
    for (QCheckBox* box : {mImported, mModel, mHuman}) {
        box->setChecked(true);
        connect(box, &QCheckBox::toggled, this, &ExportDialog::updateButtons);
    }
    auto* sources = new QHBoxLayout;
    sources->addWidget(mImported);
    sources->addWidget(mModel);
    sources->addWidget(mHuman);
    sources->addStretch(1);

    mFile = new QLineEdit(QDir::toNativeSeparators(suggestedFile), this);
    mFile->setObjectName(QStringLiteral("exportFile"));
    auto* browse = new QPushButton(tr("Browse…"), this);
    connect(browse, &QPushButton::clicked, this, &ExportDialog::browse);
    connect(mFile, &QLineEdit::textChanged, this, &ExportDialog::updateButtons);
    auto* fileRow = new QHBoxLayout;
    fileRow->addWidget(mFile, 1);
    fileRow->addWidget(browse);
    // Switching the format switches the ending of the file name.
    connect(mFormat, &QComboBox::currentIndexChanged, this, [this] {
        QString name = file();
        if (name.isEmpty()) return;
        for (store::ExportFormat f : {store::ExportFormat::Grit, store::ExportFormat::Odvg, store::ExportFormat::Coco}) {
            if (name.endsWith(suffix(f))) {
                name.chop(suffix(f).size());
                break;
            }
        }
        if (name.endsWith(QLatin1String(".jsonl"))) name.chop(6);
        else if (name.endsWith(QLatin1String(".json"))) name.chop(5);
        setFile(name + suffix(format()));
    });

    auto* form = new QFormLayout;
    form->addRow(tr("Format:"), mFormat);
    form->addRow(tr("Split:"), mSplit);
    form->addRow(tr("Review state:"), mReview);
    form->addRow(tr("Entities from:"), sources);
    form->addRow(tr("File:"), fileRow);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    mExport = buttons->addButton(tr("Export"), QDialogButtonBox::AcceptRole);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(buttons);
    resize(520, sizeHint().height());
    updateButtons();
}

store::ExportFormat ExportDialog::format() const { return static_cast<store::ExportFormat>(mFormat->currentData().toInt()); }

store::ExportFilter ExportDialog::filter() const {
    store::ExportFilter filter;
    if (const int split = mSplit->currentData().toInt(); split != kAll) filter.split = static_cast<store::Split>(split);
    if (const int review = mReview->currentData().toInt(); review != kAll)
        filter.review = static_cast<store::ReviewState>(review);
    const bool all = mImported->isChecked() && mModel->isChecked() && mHuman->isChecked();
    if (!all) {
        if (mImported->isChecked()) filter.sources.push_back(store::EntitySource::Imported);
        if (mModel->isChecked()) filter.sources.push_back(store::EntitySource::Model);
        if (mHuman->isChecked()) filter.sources.push_back(store::EntitySource::Human);
    }
    return filter;
}

QString ExportDialog::file() const { return QDir::fromNativeSeparators(mFile->text().trimmed()); }
void ExportDialog::setFile(const QString& file) { mFile->setText(QDir::toNativeSeparators(file)); }

QString ExportDialog::suffix(store::ExportFormat format) {
    switch (format) {
    case store::ExportFormat::Grit: return QStringLiteral(".grit.jsonl");
    case store::ExportFormat::Odvg: return QStringLiteral(".odvg.jsonl");
    case store::ExportFormat::Coco: return QStringLiteral(".coco.json");
    }
    return QStringLiteral(".jsonl");
}

void ExportDialog::browse() {
    const QString filterText = format() == store::ExportFormat::Coco ? tr("COCO JSON (*.json)") : tr("JSON Lines (*.jsonl)");
    const QString chosen = QFileDialog::getSaveFileName(this, tr("Export Dataset"), file(), filterText);
    if (!chosen.isEmpty()) setFile(chosen);
}

void ExportDialog::updateButtons() {
    const bool anySource = mImported->isChecked() || mModel->isChecked() || mHuman->isChecked();
    mExport->setEnabled(anySource && !file().isEmpty());
}

} // namespace kosmos::ui
