#pragma once
// The fine-tuning form: training data (a GRIT JSONL file or the annotation store with split / review /
// source filters), base model and mode (LoRA or full), the key hyper-parameters with the trainer's
// defaults, the eval set, device and output folder. It turns into TrainerOptions or a one-line error.
#include <QStringList>
#include <QWidget>

#include <optional>

#include "training/trainer.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLineEdit;
class QRadioButton;
class QSpinBox;

namespace kosmos::ui {

struct TrainingRequest {
    kosmos::training::TrainerOptions options;
    bool evaluateBefore = true;
};

class TrainingSettingsWidget : public QWidget {
    Q_OBJECT
public:
    explicit TrainingSettingsWidget(QWidget* parent = nullptr);

    // What to run, or nothing with `error` set (no data, no model, no output folder, a bad number).
    std::optional<TrainingRequest> request(QString* error) const;

    void setDevices(const QStringList& devices);   // runtimeInfo().devices: "cpu", "cuda:0 (name)", ...
    void setBaseModel(const QString& folder);
    QString baseModel() const;
    void setDataFile(const QString& path);          // also selects the JSONL source
    void setStore(const QString& dbPath);           // also selects the store source
    // The window's open store: offered as the source (chosen when no JSONL file was given).
    void setCurrentStore(const QString& dbPath);
    void setEvalFile(const QString& path);
    void setOutputFolder(const QString& folder);
    QString outputFolder() const;
    void setMode(const QString& mode);              // "lora" | "full" (learning rate and freezing follow)
    void setSteps(int steps);
    void setBatchSize(int batchSize);
    void setSaveEvery(int steps);
    void setThreads(int threads);
    void setEvalLimit(int records);

    QComboBox* splitBox() const { return mSplit; }
    QComboBox* reviewBox() const { return mReview; }
    QComboBox* sourceBox() const { return mSource; }
    QComboBox* deviceBox() const { return mDevice; }
    QComboBox* existingBox() const { return mExisting; }

private:
    QWidget* buildDataGroup();
    QWidget* buildModelGroup();
    QWidget* buildOptimisationGroup();
    QWidget* buildRunGroup();
    QLineEdit* pathEdit(const QString& objectName, const QString& placeholder);
    QWidget* withBrowse(QLineEdit* edit, bool folder, const QString& filter);
    void updateSourceWidgets();

    QRadioButton* mFromFile;
    QRadioButton* mFromStore;
    QLineEdit* mDataFile;
    QLineEdit* mStorePath;
    QComboBox* mSplit;
    QComboBox* mReview;
    QComboBox* mSource;
    QSpinBox* mLimit;
    QLineEdit* mBaseModel;
    QComboBox* mMode;
    QSpinBox* mLoraRank;
    QDoubleSpinBox* mLoraAlpha;
    QCheckBox* mFreezeVision;
    QSpinBox* mSteps;
    QSpinBox* mBatchSize;
    QSpinBox* mGradAccum;
    QLineEdit* mLearningRate;
    QSpinBox* mSaveEvery;
    QCheckBox* mCheckpointing;
    QLineEdit* mEvalFile;
    QSpinBox* mEvalLimit;
    QCheckBox* mEvaluateBefore;
    QComboBox* mDevice;
    QSpinBox* mThreads;
    QSpinBox* mSeed;
    QLineEdit* mOutput;
    QComboBox* mExisting;
    QList<QWidget*> mFileWidgets;
    QList<QWidget*> mStoreWidgets;
};

} // namespace kosmos::ui
