#pragma once
// What to export: the format (GRIT JSONL, ODVG JSONL, COCO JSON), which samples (split, review
// state), whose entities (imported, model, person; human corrections replace what they correct),
// and the file.
#include <QDialog>

#include "core/store_export.h"

class QCheckBox;
class QComboBox;
class QLineEdit;
class QPushButton;

namespace kosmos::ui {

class ExportDialog : public QDialog {
    Q_OBJECT
public:
    explicit ExportDialog(const QString& suggestedFile, QWidget* parent = nullptr);

    kosmos::store::ExportFormat format() const;
    kosmos::store::ExportFilter filter() const;
    QString file() const;
    void setFile(const QString& file);

    // The file name ending of a format: ".grit.jsonl", ".odvg.jsonl", ".coco.json".
    static QString suffix(kosmos::store::ExportFormat format);

private:
    void browse();
    void updateButtons();

    QComboBox* mFormat;
    QComboBox* mSplit;
    QComboBox* mReview;
    QCheckBox* mImported;
    QCheckBox* mModel;
    QCheckBox* mHuman;
    QLineEdit* mFile;
    QPushButton* mExport;
};

} // namespace kosmos::ui
