#pragma once
// The sample's review state and the buttons that set it (accept / reject / mark corrected) and move
// on to the next unreviewed sample.
#include <QWidget>

class QLabel;

namespace kosmos::ui {

class AnnotationDocument;
class EditActions;

class ReviewBar : public QWidget {
    Q_OBJECT
public:
    ReviewBar(AnnotationDocument* document, EditActions* actions, QWidget* parent = nullptr);

    QLabel* stateLabel() const { return mState; }

private:
    void refresh();

    AnnotationDocument* mDocument;
    QLabel* mState;
};

} // namespace kosmos::ui
