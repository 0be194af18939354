#pragma once
// What to import: GRIT JSONL files, webdataset tar shards and img2dataset folders, in order, and the
// split the new samples join.
#include <QDialog>
#include <QStringList>

#include "core/sample.h"

class QComboBox;
class QListWidget;
class QPushButton;

namespace kosmos::ui {

class ImportDialog : public QDialog {
    Q_OBJECT
public:
    explicit ImportDialog(const QString& startDir, QWidget* parent = nullptr);

    void addSources(const QStringList& paths);
    QStringList sources() const;
    kosmos::store::Split split() const;
    QString lastDir() const { return mDir; }

private:
    void addFiles();
    void addFolder();
    void updateButtons();

    QString mDir;
    QListWidget* mList;
    QComboBox* mSplit;
    QPushButton* mRemove;
    QPushButton* mImport;
};

} // namespace kosmos::ui
