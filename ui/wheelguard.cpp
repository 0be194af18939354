#include "ui/wheelguard.h"

#include <QAbstractSpinBox>
#include <QComboBox>
#include <QEvent>
#include <QSlider>
#include <QWidget>

namespace kosmos::ui {

namespace {

class WheelGuard : public QObject {
public:
    using QObject::QObject;

protected:
    bool eventFilter(QObject* watched, QEvent* event) override {
        if (event->type() != QEvent::Wheel) return false;
        auto* field = qobject_cast<QWidget*>(watched);
        if (!field || field->hasFocus()) return false;
        // Not handled here and not accepted: QApplication hands the wheel on to the scroll area.
        event->ignore();
        return true;
    }
};

void guard(QWidget* field, QObject* filter) {
    field->setFocusPolicy(Qt::StrongFocus);   // not Qt::WheelFocus: the wheel alone does not focus it
    field->installEventFilter(filter);
}

} // namespace

void scrollWheelPastFields(QWidget* form) {
    auto* filter = new WheelGuard(form);
    for (auto* field : form->findChildren<QAbstractSpinBox*>()) guard(field, filter);
    for (auto* field : form->findChildren<QComboBox*>()) guard(field, filter);
    for (auto* field : form->findChildren<QSlider*>()) guard(field, filter);   // scroll bars keep the wheel
}

} // namespace kosmos::ui
