#pragma once
// The caption of the current result with each grounded phrase highlighted in its entity's colour;
// while a run is going, the text as it streams in. Pointing at a phrase hovers its entity, clicking
// selects it, and selections made elsewhere show here.
#include <QTextBrowser>

namespace kosmos::ui {

class ResultDocument;

class CaptionView : public QTextBrowser {
    Q_OBJECT
public:
    explicit CaptionView(ResultDocument* document, QWidget* parent = nullptr);

    // The HTML for the current state (exposed for tests).
    QString captionHtml() const;

private:
    void refresh();
    void onAnchorHovered(const QUrl& url);
    void onAnchorClicked(const QUrl& url);

    ResultDocument* mDocument;
};

// Entity index of an "entity:N" anchor, -1 otherwise.
int entityFromAnchor(const QUrl& url);

} // namespace kosmos::ui
