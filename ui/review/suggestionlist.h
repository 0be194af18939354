#pragma once
// The model's suggestions for the open sample, one line each (phrase, boxes, score, or that the phrase
// is not in the caption); choosing lines selects their boxes on the canvas. Buttons ask the model and
// accept or reject the chosen suggestions or all of them.
#include <QWidget>

class QListWidget;

namespace kosmos::ui {

class AnnotationDocument;
class EditActions;

class SuggestionList : public QWidget {
    Q_OBJECT
public:
    SuggestionList(AnnotationDocument* document, EditActions* actions, QWidget* parent = nullptr);

    QListWidget* list() const { return mList; }
    QList<quint64> chosen() const;   // suggestion uids of the chosen lines

signals:
    void chosenChanged(const QList<quint64>& suggestions);

private:
    void refresh();

    AnnotationDocument* mDocument;
    QListWidget* mList;
};

} // namespace kosmos::ui
