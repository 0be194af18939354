#include "ui/training/trainingsettingswidget.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QRadioButton>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>

namespace kosmos::ui {

namespace {

const QString kLoraRate = QStringLiteral("2e-4");
const QString kFullRate = QStringLiteral("5e-5");

QSpinBox* spin(const QString& name, int low, int high, int value, const QString& special = {}) {
    auto* box = new QSpinBox;
    box->setObjectName(name);
    box->setRange(low, high);
    box->setValue(value);
    if (!special.isEmpty()) box->setSpecialValueText(special);
    return box;
}

QComboBox* filterBox(const QString& name, const QString& anyText, const QStringList& values) {
    auto* box = new QComboBox;
    box->setObjectName(name);
    box->addItem(anyText, QString());
    for (const QString& v : values) box->addItem(v, v);
    return box;
}

QGroupBox* group(const QString& title, QFormLayout* form) {
    auto* box = new QGroupBox(title);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    box->setLayout(form);
    return box;
}

} // namespace

TrainingSettingsWidget::TrainingSettingsWidget(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(buildDataGroup());
    layout->addWidget(buildModelGroup());
    layout->addWidget(buildOptimisationGroup());
    layout->addWidget(buildRunGroup());
    layout->addStretch(1);
    // Long choices ("Keep an existing checkpoint (stop)") must not set the form's width: the panel shares
    // the bottom of the window with the charts and the log.
    for (QComboBox* box : findChildren<QComboBox*>()) {
        box->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        box->setMinimumContentsLength(8);
    }
    setDevices({QStringLiteral("cpu")});
    updateSourceWidgets();
}

QLineEdit* TrainingSettingsWidget::pathEdit(const QString& objectName, const QString& placeholder) {
    auto* edit = new QLineEdit;
    edit->setObjectName(objectName);
    edit->setPlaceholderText(placeholder);
    edit->setClearButtonEnabled(true);
    return edit;
}

QWidget* TrainingSettingsWidget::withBrowse(QLineEdit* edit, bool folder, const QString& filter) {
    auto* row = new QWidget;
    auto* layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(edit, 1);
    auto* browse = new QToolButton;
    browse->setText(QStringLiteral("…"));
    browse->setToolTip(folder ? tr("Choose a folder") : tr("Choose a file"));
    layout->addWidget(browse);
    connect(browse, &QToolButton::clicked, this, [this, edit, folder, filter] {
        const QString start = edit->text().isEmpty() ? QDir::homePath() : edit->text();
        const QString chosen = folder ? QFileDialog::getExistingDirectory(this, tr("Choose a folder"), start)
                                      : QFileDialog::getOpenFileName(this, tr("Choose a file"), start, filter);
        if (!chosen.isEmpty()) edit->setText(chosen);
    });
    return row;
}

QWidget* TrainingSettingsWidget::buildDataGroup() {
    auto* form = new QFormLayout;
    mFromFile = new QRadioButton(tr("GRIT JSONL file"));
    mFromFile->setObjectName(QStringLiteral("trainingFromFile"));
    mFromStore = new QRadioButton(tr("Annotation store"));
    mFromStore->setObjectName(QStringLiteral("trainingFromStore"));
    mFromFile->setChecked(true);
    auto* sources = new QButtonGroup(this);
    sources->addButton(mFromFile);
    sources->addButton(mFromStore);
    auto* sourceRow = new QWidget;
    auto* sourceLayout = new QHBoxLayout(sourceRow);
    sourceLayout->setContentsMargins(0, 0, 0, 0);
    sourceLayout->addWidget(mFromFile);
    sourceLayout->addWidget(mFromStore);
    sourceLayout->addStretch(1);
    form->addRow(sourceRow);

    mDataFile = pathEdit(QStringLiteral("trainingDataFile"), tr("train.jsonl (with image paths)"));
    QWidget* fileRow = withBrowse(mDataFile, false, tr("GRIT JSONL (*.jsonl *.json);;All files (*)"));
    form->addRow(tr("File"), fileRow);
    mStorePath = pathEdit(QStringLiteral("trainingStorePath"), tr("annotations.db"));
    QWidget* storeRow = withBrowse(mStorePath, false, tr("Annotation store (*.db *.sqlite);;All files (*)"));
    form->addRow(tr("Store"), storeRow);
    mSplit = filterBox(QStringLiteral("trainingSplit"), tr("any split"),
                       {QStringLiteral("train"), QStringLiteral("validation"), QStringLiteral("test")});
    mSplit->setCurrentIndex(1);   // train
    mReview = filterBox(QStringLiteral("trainingReview"), tr("any (not rejected)"),
                        {QStringLiteral("corrected"), QStringLiteral("accepted"), QStringLiteral("unreviewed"),
                         QStringLiteral("rejected")});
    mSource = filterBox(QStringLiteral("trainingSource"), tr("any source"),
                        {QStringLiteral("human"), QStringLiteral("imported"), QStringLiteral("model")});
    form->addRow(tr("Split"), mSplit);
    form->addRow(tr("Review"), mReview);
    form->addRow(tr("Entities"), mSource);
    mLimit = spin(QStringLiteral("trainingLimit"), 0, 50'000'000, 0, tr("all records"));
    form->addRow(tr("Use at most"), mLimit);
    mFileWidgets = {fileRow};
    mStoreWidgets = {storeRow, mSplit, mReview, mSource};
    connect(mFromFile, &QRadioButton::toggled, this, &TrainingSettingsWidget::updateSourceWidgets);
    return group(tr("Training data"), form);
}

QWidget* TrainingSettingsWidget::buildModelGroup() {
    auto* form = new QFormLayout;
    mBaseModel = pathEdit(QStringLiteral("trainingBaseModel"), tr("Hugging Face KOSMOS-2 folder"));
    form->addRow(tr("Base model"), withBrowse(mBaseModel, true, {}));
    mMode = new QComboBox;
    mMode->setObjectName(QStringLiteral("trainingMode"));
    mMode->addItem(tr("LoRA adapters"), QStringLiteral("lora"));
    mMode->addItem(tr("Full fine-tuning"), QStringLiteral("full"));
    form->addRow(tr("Mode"), mMode);
    mLoraRank = spin(QStringLiteral("trainingLoraRank"), 1, 1024, 8);
    form->addRow(tr("LoRA rank"), mLoraRank);
    mLoraAlpha = new QDoubleSpinBox;
    mLoraAlpha->setObjectName(QStringLiteral("trainingLoraAlpha"));
    mLoraAlpha->setRange(0.01, 4096);
    mLoraAlpha->setValue(16);
    form->addRow(tr("LoRA alpha"), mLoraAlpha);
    mFreezeVision = new QCheckBox(tr("Freeze the vision tower"));
    mFreezeVision->setObjectName(QStringLiteral("trainingFreezeVision"));
    mFreezeVision->setChecked(true);
    form->addRow(mFreezeVision);
    connect(mMode, &QComboBox::currentIndexChanged, this, [this] {
        const bool lora = mMode->currentData().toString() == QLatin1String("lora");
        mLoraRank->setEnabled(lora);
        mLoraAlpha->setEnabled(lora);
        mFreezeVision->setChecked(lora);   // the trainer's defaults: LoRA frozen, full trained
        const QString rate = mLearningRate->text().trimmed();
        if (rate.isEmpty() || rate == kLoraRate || rate == kFullRate) mLearningRate->setText(lora ? kLoraRate : kFullRate);
    });
    return group(tr("Model"), form);
}

QWidget* TrainingSettingsWidget::buildOptimisationGroup() {
    auto* form = new QFormLayout;
    mSteps = spin(QStringLiteral("trainingSteps"), 1, 10'000'000, 500);
    form->addRow(tr("Steps"), mSteps);
    mBatchSize = spin(QStringLiteral("trainingBatchSize"), 1, 4096, 8);
    form->addRow(tr("Batch size"), mBatchSize);
    mGradAccum = spin(QStringLiteral("trainingGradAccum"), 1, 4096, 1);
    mGradAccum->setToolTip(tr("Micro-batches whose gradients add up to one optimizer step (gradient accumulation)"));
    form->addRow(tr("Batches per step"), mGradAccum);
    mLearningRate = new QLineEdit(kLoraRate);
    mLearningRate->setObjectName(QStringLiteral("trainingLearningRate"));
    mLearningRate->setToolTip(tr("Peak learning rate (warm-up over 5 % of the steps, then cosine)"));
    form->addRow(tr("Learning rate"), mLearningRate);
    mSaveEvery = spin(QStringLiteral("trainingSaveEvery"), 0, 10'000'000, 100, tr("at the end only"));
    mSaveEvery->setToolTip(tr("Checkpoint (and evaluate) every N steps"));
    form->addRow(tr("Save every"), mSaveEvery);
    mCheckpointing = new QCheckBox(tr("Gradient checkpointing (less memory)"));
    mCheckpointing->setObjectName(QStringLiteral("trainingGradientCheckpointing"));
    form->addRow(mCheckpointing);
    return group(tr("Optimisation"), form);
}

QWidget* TrainingSettingsWidget::buildRunGroup() {
    auto* form = new QFormLayout;
    mEvalFile = pathEdit(QStringLiteral("trainingEvalFile"), tr("held-out GRIT JSONL (optional)"));
    form->addRow(tr("Eval set"), withBrowse(mEvalFile, false, tr("GRIT JSONL (*.jsonl *.json);;All files (*)")));
    mEvalLimit = spin(QStringLiteral("trainingEvalLimit"), 0, 1'000'000, 50, tr("all records"));
    form->addRow(tr("Evaluate on"), mEvalLimit);
    mEvaluateBefore = new QCheckBox(tr("Evaluate the base model first"));
    mEvaluateBefore->setObjectName(QStringLiteral("trainingEvaluateBefore"));
    mEvaluateBefore->setChecked(true);
    form->addRow(mEvaluateBefore);
    mDevice = new QComboBox;
    mDevice->setObjectName(QStringLiteral("trainingDevice"));
    form->addRow(tr("Device"), mDevice);
    mThreads = spin(QStringLiteral("trainingThreads"), 0, 256, 0, tr("automatic"));
    form->addRow(tr("CPU threads"), mThreads);
    mSeed = spin(QStringLiteral("trainingSeed"), 0, 1'000'000'000, 0);
    form->addRow(tr("Seed"), mSeed);
    mOutput = pathEdit(QStringLiteral("trainingOutput"), tr("folder for the checkpoint"));
    form->addRow(tr("Output"), withBrowse(mOutput, true, {}));
    mExisting = new QComboBox;
    mExisting->setObjectName(QStringLiteral("trainingExisting"));
    mExisting->addItem(tr("Keep an existing checkpoint (stop)"), QStringLiteral("keep"));
    mExisting->addItem(tr("Continue an existing checkpoint"), QStringLiteral("resume"));
    mExisting->addItem(tr("Replace an existing checkpoint"), QStringLiteral("replace"));
    form->addRow(tr("If it holds one"), mExisting);
    // Continuing a checkpoint shows its own step count: the form's default would end the run early or refuse it.
    const auto showCheckpointSteps = [this] {
        if (mExisting->currentData().toString() != QLatin1String("resume")) return;
        QFile state(outputFolder() + QStringLiteral("/trainer_state.json"));
        if (state.size() > (64 << 20) || !state.open(QIODevice::ReadOnly)) return;
        const qint64 total = QJsonDocument::fromJson(state.readAll()).object().value(QStringLiteral("total_steps")).toInteger();
        if (total > 0) mSteps->setValue(static_cast<int>(std::min<qint64>(total, mSteps->maximum())));
    };
    connect(mExisting, &QComboBox::currentIndexChanged, this, showCheckpointSteps);
    connect(mOutput, &QLineEdit::textChanged, this, showCheckpointSteps);
    return group(tr("Evaluation and output"), form);
}

void TrainingSettingsWidget::updateSourceWidgets() {
    const bool file = mFromFile->isChecked();
    for (QWidget* w : std::as_const(mFileWidgets)) w->setEnabled(file);
    for (QWidget* w : std::as_const(mStoreWidgets)) w->setEnabled(!file);
}

void TrainingSettingsWidget::setDevices(const QStringList& devices) {
    const QString current = mDevice->currentData().toString();
    mDevice->clear();
    for (const QString& d : devices) mDevice->addItem(d, d.section(QLatin1Char(' '), 0, 0));
    if (mDevice->count() == 0) mDevice->addItem(QStringLiteral("cpu"), QStringLiteral("cpu"));
    const int index = mDevice->findData(current);
    mDevice->setCurrentIndex(index >= 0 ? index : 0);
}

void TrainingSettingsWidget::setBaseModel(const QString& folder) { mBaseModel->setText(folder); }
QString TrainingSettingsWidget::baseModel() const { return mBaseModel->text().trimmed(); }

void TrainingSettingsWidget::setDataFile(const QString& path) {
    mDataFile->setText(path);
    mFromFile->setChecked(true);
}

void TrainingSettingsWidget::setStore(const QString& dbPath) {
    mStorePath->setText(dbPath);
    mFromStore->setChecked(true);
}

void TrainingSettingsWidget::setCurrentStore(const QString& dbPath) {
    if (dbPath.isEmpty()) return;
    mStorePath->setText(dbPath);
    if (mDataFile->text().trimmed().isEmpty()) mFromStore->setChecked(true);
}

void TrainingSettingsWidget::setEvalFile(const QString& path) { mEvalFile->setText(path); }
void TrainingSettingsWidget::setOutputFolder(const QString& folder) { mOutput->setText(folder); }
QString TrainingSettingsWidget::outputFolder() const { return mOutput->text().trimmed(); }
void TrainingSettingsWidget::setMode(const QString& mode) { mMode->setCurrentIndex(std::max(0, mMode->findData(mode))); }
void TrainingSettingsWidget::setSteps(int steps) { mSteps->setValue(steps); }
void TrainingSettingsWidget::setBatchSize(int batchSize) { mBatchSize->setValue(batchSize); }
void TrainingSettingsWidget::setSaveEvery(int steps) { mSaveEvery->setValue(steps); }
void TrainingSettingsWidget::setThreads(int threads) { mThreads->setValue(threads); }
void TrainingSettingsWidget::setEvalLimit(int records) { mEvalLimit->setValue(records); }

std::optional<TrainingRequest> TrainingSettingsWidget::request(QString* error) const {
    const auto fail = [error](const QString& message) -> std::optional<TrainingRequest> {
        if (error) *error = message;
        return std::nullopt;
    };
    TrainingRequest request;
    kosmos::training::TrainerOptions& o = request.options;
    if (mFromFile->isChecked()) {
        const QString file = mDataFile->text().trimmed();
        if (file.isEmpty()) return fail(tr("Choose the training data: a GRIT JSONL file."));
        if (!QFileInfo(file).isFile()) return fail(tr("%1: no such file").arg(file));
        o.dataPath = file.toStdString();
    } else {
        const QString db = mStorePath->text().trimmed();
        if (db.isEmpty()) return fail(tr("Choose the annotation store to train on."));
        if (!QFileInfo(db).isFile()) return fail(tr("%1: no such database file").arg(db));
        kosmos::training::StoreQuery query;
        query.dbPath = db.toStdString();
        const auto filter = [](const QComboBox* box) -> std::optional<std::string> {
            const QString value = box->currentData().toString();
            if (value.isEmpty()) return std::nullopt;
            return value.toStdString();
        };
        query.split = filter(mSplit);
        query.review = filter(mReview);
        query.source = filter(mSource);
        o.store = query;
    }
    o.limit = static_cast<std::size_t>(mLimit->value());

    const QString model = baseModel();
    if (model.isEmpty()) return fail(tr("Choose the base model folder."));
    if (!QFileInfo(model + QStringLiteral("/config.json")).isFile())
        return fail(tr("%1: not a model folder (no config.json)").arg(model));
    o.modelDir = model.toStdString();
    o.mode = mMode->currentData().toString().toStdString();
    o.lora.rank = mLoraRank->value();
    o.lora.alpha = mLoraAlpha->value();
    o.freezeVision = mFreezeVision->isChecked() ? 1 : 0;

    o.steps = mSteps->value();
    o.batchSize = mBatchSize->value();
    o.gradientAccumulation = mGradAccum->value();
    bool ok = false;
    const double rate = mLearningRate->text().trimmed().toDouble(&ok);
    if (!ok || !(rate > 0 && rate < 10)) return fail(tr("The learning rate must be a number in (0, 10), e.g. 2e-4."));
    o.learningRate = rate;
    o.saveEvery = mSaveEvery->value();
    o.gradientCheckpointing = mCheckpointing->isChecked();

    const QString evalFile = mEvalFile->text().trimmed();
    if (!evalFile.isEmpty()) {
        if (!QFileInfo(evalFile).isFile()) return fail(tr("%1: no such eval file").arg(evalFile));
        o.evalDataPath = evalFile.toStdString();
    }
    o.evaluation.limit = static_cast<std::size_t>(mEvalLimit->value());
    request.evaluateBefore = mEvaluateBefore->isChecked();
    o.device = mDevice->currentData().toString().toStdString();
    o.threads = mThreads->value();
    o.blasThreads = o.threads;   // a chosen thread count holds for BLAS too (its own threads oversubscribe)
    o.seed = static_cast<std::uint64_t>(mSeed->value());
    // Every setting on the form is the user's: continuing a run warns of those its checkpoint overrides.
    o.givenSettings = {"mode", "freeze_vision", "batch_size", "gradient_accumulation", "learning_rate", "seed"};
    if (o.mode == "lora") o.givenSettings.insert(o.givenSettings.end(), {"lora.r", "lora.alpha"});

    const QString out = outputFolder();
    if (out.isEmpty()) return fail(tr("Choose an output folder for the checkpoint."));
    const QString existing = mExisting->currentData().toString();
    const bool holdsCheckpoint = QFileInfo(out + QStringLiteral("/trainer_state.json")).isFile();
    o.outDir = out.toStdString();
    if (holdsCheckpoint && existing == QLatin1String("keep"))
        return fail(tr("%1 holds a checkpoint already: choose another folder, or continue or replace it.").arg(out));
    if (holdsCheckpoint && existing == QLatin1String("resume")) o.resumeDir = o.outDir;
    o.overwrite = existing == QLatin1String("replace");
    return request;
}

} // namespace kosmos::ui
