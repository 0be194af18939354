#pragma once
// The dock for editing a stored sample: its key and saving state, the review bar, the caption (Enter
// or leaving the field applies an edit, Esc reverts), the entity tools, where new boxes go, the
// model's suggestions and the sample's change history.
#include <QWidget>

class QLabel;
class QLineEdit;

namespace kosmos::ui {

class AnnotationDocument;
class EditActions;
class ReviewBar;
class SampleHistoryView;
class SuggestionList;

class AnnotationPanel : public QWidget {
    Q_OBJECT
public:
    AnnotationPanel(AnnotationDocument* document, EditActions* actions, QWidget* parent = nullptr);

    QLineEdit* captionEdit() const { return mCaption; }
    ReviewBar* reviewBar() const { return mReview; }
    SuggestionList* suggestions() const { return mSuggestions; }
    SampleHistoryView* history() const { return mHistory; }
    QLabel* saveStatus() const { return mSaveStatus; }

    void setTitle(const QString& title);
    void setSaveStatus(const QString& text, bool problem);
    // Applies the caption field as an edit (what Enter does); false when it changes nothing.
    bool applyCaption();

signals:
    // A caption edit cut through `cutSpans` phrases (0: every span followed it).
    void captionApplied(int cutSpans);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void refresh();
    void refreshTarget();

    AnnotationDocument* mDocument;
    QLabel* mTitle;
    QLabel* mSaveStatus;
    ReviewBar* mReview;
    QLineEdit* mCaption;
    QLabel* mTarget;
    QLabel* mIncomplete;
    SuggestionList* mSuggestions;
    SampleHistoryView* mHistory;
};

} // namespace kosmos::ui
