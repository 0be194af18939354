#pragma once
// Generation settings of a run: length, beams, n-gram ban, sampling (top-p, top-k, temperature, seed)
// and constrained grounding, starting from the loaded checkpoint's generation_config.
#include <QWidget>

#include "model/engine/engine.h"

class QCheckBox;
class QDoubleSpinBox;
class QPushButton;
class QSpinBox;

namespace kosmos::ui {

class GenerationSettingsWidget : public QWidget {
    Q_OBJECT
public:
    explicit GenerationSettingsWidget(QWidget* parent = nullptr);

    // The checkpoint's resolved settings; fields the checkpoint leaves unset get transformers' defaults.
    void setModelDefaults(const kosmos::GenerationParams& defaults);
    void resetToModelDefaults();

    kosmos::GenerationParams params() const;
    void setMaxNewTokens(int tokens);
    void setConstrainedGrounding(bool on);
    bool constrainedGrounding() const;

private:
    void updateEnabled();

    kosmos::GenerationParams mDefaults;
    QSpinBox* mMaxNewTokens;
    QSpinBox* mBeams;
    QSpinBox* mNoRepeatNgram;
    QCheckBox* mSample;
    QDoubleSpinBox* mTopP;
    QSpinBox* mTopK;
    QDoubleSpinBox* mTemperature;
    QSpinBox* mSeed;
    QCheckBox* mConstrained;
    QPushButton* mReset;
};

} // namespace kosmos::ui
