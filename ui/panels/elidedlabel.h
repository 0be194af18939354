#pragma once
// A one-line label that asks for little width: text that does not fit ends in "…", and its tooltip shows
// the whole. For status lines whose text (an error naming a file and record) may be long.
#include <QLabel>

namespace kosmos::ui {

class ElidedLabel : public QLabel {
    Q_OBJECT
public:
    explicit ElidedLabel(const QString& text = {}, QWidget* parent = nullptr);

    QSize minimumSizeHint() const override;
    bool isElided() const;

protected:
    bool event(QEvent* event) override;
    void paintEvent(QPaintEvent* event) override;
};

} // namespace kosmos::ui
