#include "ui/panels/generationsettingswidget.h"

#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>

#include <climits>

namespace kosmos::ui {
namespace {

// transformers' GenerationConfig defaults, for fields a checkpoint does not set.
constexpr int kFallbackMaxNewTokens = 64;
constexpr double kFallbackTopP = 1.0;
constexpr int kFallbackTopK = 50;
constexpr double kFallbackTemperature = 1.0;

} // namespace

GenerationSettingsWidget::GenerationSettingsWidget(QWidget* parent)
    : QWidget(parent),
      mMaxNewTokens(new QSpinBox(this)),
      mBeams(new QSpinBox(this)),
      mNoRepeatNgram(new QSpinBox(this)),
      mSample(new QCheckBox(tr("Sample instead of greedy / beam search"), this)),
      mTopP(new QDoubleSpinBox(this)),
      mTopK(new QSpinBox(this)),
      mTemperature(new QDoubleSpinBox(this)),
      mSeed(new QSpinBox(this)),
      mConstrained(new QCheckBox(tr("Constrained grounding"), this)),
      mReset(new QPushButton(tr("Model defaults"), this)) {
    mMaxNewTokens->setObjectName(QStringLiteral("maxNewTokens"));
    mMaxNewTokens->setRange(1, 2048);
    mBeams->setObjectName(QStringLiteral("numBeams"));
    mBeams->setRange(1, 16);
    mNoRepeatNgram->setObjectName(QStringLiteral("noRepeatNgram"));
    mNoRepeatNgram->setRange(0, 16);
    mNoRepeatNgram->setSpecialValueText(tr("off"));
    mSample->setObjectName(QStringLiteral("doSample"));
    mTopP->setRange(0.01, 1.0);
    mTopP->setSingleStep(0.05);
    mTopP->setDecimals(2);
    mTopK->setRange(0, 100000);
    mTopK->setSpecialValueText(tr("off"));
    mTemperature->setRange(0.05, 5.0);
    mTemperature->setSingleStep(0.1);
    mTemperature->setDecimals(2);
    mSeed->setRange(0, INT_MAX);
    mConstrained->setObjectName(QStringLiteral("constrainedGrounding"));
    mConstrained->setToolTip(tr("Inside <object>...</object> allow only two patch indices, then a delimiter "
                                "or </object>: always a parseable box (off = exactly what transformers does)"));
    mReset->setToolTip(tr("Reset to the loaded checkpoint's generation_config.json"));

    auto* form = new QFormLayout(this);
    form->setContentsMargins(0, 0, 0, 0);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    auto* lengthRow = new QHBoxLayout;
    lengthRow->addWidget(mMaxNewTokens, 1);
    lengthRow->addWidget(mReset);
    form->addRow(tr("Max new tokens"), lengthRow);
    auto* searchRow = new QHBoxLayout;
    searchRow->addWidget(mBeams, 1);
    auto* ngramLabel = new QLabel(tr("No-repeat n-gram"), this);
    searchRow->addWidget(ngramLabel);
    searchRow->addWidget(mNoRepeatNgram, 1);
    form->addRow(tr("Beams"), searchRow);
    form->addRow(mSample);
    auto* samplingRow = new QHBoxLayout;
    samplingRow->addWidget(mTopP, 1);
    samplingRow->addWidget(new QLabel(tr("Top-k"), this));
    samplingRow->addWidget(mTopK, 1);
    form->addRow(tr("Top-p"), samplingRow);
    auto* temperatureRow = new QHBoxLayout;
    temperatureRow->addWidget(mTemperature, 1);
    temperatureRow->addWidget(new QLabel(tr("Seed"), this));
    temperatureRow->addWidget(mSeed, 1);
    form->addRow(tr("Temperature"), temperatureRow);
    form->addRow(mConstrained);

    connect(mSample, &QCheckBox::toggled, this, &GenerationSettingsWidget::updateEnabled);
    connect(mReset, &QPushButton::clicked, this, &GenerationSettingsWidget::resetToModelDefaults);
    resetToModelDefaults();
}

void GenerationSettingsWidget::setModelDefaults(const kosmos::GenerationParams& defaults) {
    mDefaults = defaults;
    resetToModelDefaults();
}

void GenerationSettingsWidget::resetToModelDefaults() {
    const kosmos::GenerationParams& d = mDefaults;
    mMaxNewTokens->setValue(d.maxNewTokens > 0 ? d.maxNewTokens : kFallbackMaxNewTokens);
    mBeams->setValue(d.numBeams > 0 ? d.numBeams : 1);
    mNoRepeatNgram->setValue(d.noRepeatNgramSize > 0 ? d.noRepeatNgramSize : 0);
    mSample->setChecked(d.doSample == 1);
    mTopP->setValue(d.topP > 0 ? d.topP : kFallbackTopP);
    mTopK->setValue(d.topK >= 0 ? d.topK : kFallbackTopK);
    mTemperature->setValue(d.temperature > 0 ? d.temperature : kFallbackTemperature);
    mSeed->setValue(static_cast<int>(d.seed % static_cast<std::uint64_t>(INT_MAX)));
    updateEnabled();
}

kosmos::GenerationParams GenerationSettingsWidget::params() const {
    kosmos::GenerationParams p = mDefaults;   // keeps what the form does not show (min tokens, eos, ...)
    p.maxNewTokens = mMaxNewTokens->value();
    p.numBeams = mBeams->value();
    p.noRepeatNgramSize = mNoRepeatNgram->value();
    p.doSample = mSample->isChecked() ? 1 : 0;
    p.topP = mTopP->value();
    p.topK = mTopK->value();
    p.temperature = mTemperature->value();
    p.seed = static_cast<std::uint64_t>(mSeed->value());
    p.constrainedGrounding = mConstrained->isChecked();
    return p;
}

void GenerationSettingsWidget::setMaxNewTokens(int tokens) { mMaxNewTokens->setValue(tokens); }

void GenerationSettingsWidget::setConstrainedGrounding(bool on) { mConstrained->setChecked(on); }

bool GenerationSettingsWidget::constrainedGrounding() const { return mConstrained->isChecked(); }

void GenerationSettingsWidget::updateEnabled() {
    const bool sampling = mSample->isChecked();
    mTopP->setEnabled(sampling);
    mTopK->setEnabled(sampling);
    mTemperature->setEnabled(sampling);
    mSeed->setEnabled(sampling);
}

} // namespace kosmos::ui
