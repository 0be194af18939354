#include "ui/dataset/importdialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QStyle>
#include <QVBoxLayout>

namespace kosmos::ui {

namespace store = kosmos::store;

ImportDialog::ImportDialog(const QString& startDir, QWidget* parent) : QDialog(parent), mDir(startDir) {
    setObjectName(QStringLiteral("importDialog"));
    setWindowTitle(tr("Import Annotations"));
    auto* intro = new QLabel(tr("GRIT records from JSONL files, webdataset tar shards (.tar, .tar.gz, …) or "
                                "img2dataset folders (NNNNN.jpg with NNNNN.json). Records already stored are "
                                "skipped, so an interrupted import can simply be run again."),
                             this);
    intro->setWordWrap(true);
    mList = new QListWidget(this);
    mList->setObjectName(QStringLiteral("importSources"));
    mList->setSelectionMode(QAbstractItemView::ExtendedSelection);
    auto* addFiles = new QPushButton(tr("Add Files…"), this);
    auto* addFolder = new QPushButton(tr("Add Folder…"), this);
    mRemove = new QPushButton(tr("Remove"), this);
    connect(addFiles, &QPushButton::clicked, this, &ImportDialog::addFiles);
    connect(addFolder, &QPushButton::clicked, this, &ImportDialog::addFolder);
    connect(mRemove, &QPushButton::clicked, this, [this] {
        qDeleteAll(mList->selectedItems());
        updateButtons();
    });
    connect(mList, &QListWidget::itemSelectionChanged, this, &ImportDialog::updateButtons);
    auto* side = new QVBoxLayout;
    side->addWidget(addFiles);
    side->addWidget(addFolder);
    side->addWidget(mRemove);
    side->addStretch(1);
    auto* row = new QHBoxLayout;
    row->addWidget(mList, 1);
    row->addLayout(side);

    mSplit = new QComboBox(this);
    for (store::Split split : {store::Split::Train, store::Split::Validation, store::Split::Test})
        mSplit->addItem(QString::fromLatin1(store::toString(split)), static_cast<int>(split));
    auto* form = new QFormLayout;
    form->addRow(tr("New samples join split:"), mSplit);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    mImport = buttons->addButton(tr("Import"), QDialogButtonBox::AcceptRole);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(row, 1);
    layout->addLayout(form);
    layout->addWidget(buttons);
    resize(560, 360);
    updateButtons();
}

void ImportDialog::addSources(const QStringList& paths) {
    for (const QString& path : paths) {
        if (!mList->findItems(QDir::toNativeSeparators(path), Qt::MatchExactly).isEmpty()) continue;
        auto* item = new QListWidgetItem(QDir::toNativeSeparators(path), mList);
        item->setData(Qt::UserRole, path);
        item->setIcon(style()->standardIcon(QFileInfo(path).isDir() ? QStyle::SP_DirIcon : QStyle::SP_FileIcon));
    }
    if (!paths.isEmpty()) mDir = QFileInfo(paths.last()).absolutePath();
    updateButtons();
}

QStringList ImportDialog::sources() const {
    QStringList out;
    for (int i = 0; i < mList->count(); ++i) out << mList->item(i)->data(Qt::UserRole).toString();
    return out;
}

store::Split ImportDialog::split() const { return static_cast<store::Split>(mSplit->currentData().toInt()); }

void ImportDialog::addFiles() {
    const QStringList files = QFileDialog::getOpenFileNames(
        this, tr("Add GRIT Files"), mDir,
        tr("GRIT annotations (*.jsonl *.json *.tar *.tar.gz *.tgz *.tar.bz2 *.tar.xz *.tar.zst);;All files (*)"));
    addSources(files);
}

void ImportDialog::addFolder() {
    const QString folder = QFileDialog::getExistingDirectory(this, tr("Add img2dataset Folder"), mDir);
    if (!folder.isEmpty()) addSources({folder});
}

void ImportDialog::updateButtons() {
    mRemove->setEnabled(!mList->selectedItems().isEmpty());
    mImport->setEnabled(mList->count() > 0);
}

} // namespace kosmos::ui
