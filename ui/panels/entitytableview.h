#pragma once
// The entity list: phrase, box and confidence per row, on the document's filtered model and shared
// selection model. Pointing at a row hovers its entity.
#include <QTableView>

namespace kosmos::ui {

class ResultDocument;

class EntityTableView : public QTableView {
    Q_OBJECT
public:
    explicit EntityTableView(ResultDocument* document, QWidget* parent = nullptr);

protected:
    void leaveEvent(QEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;

private:
    ResultDocument* mDocument;
};

} // namespace kosmos::ui
