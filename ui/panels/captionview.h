#pragma once
// The caption of the current result with each grounded phrase highlighted in its entity's colour;
// while a run is going, the text as it streams in. Pointing at a phrase hovers its entity, clicking
// selects it, and selections made elsewhere show here. Editing a stored sample, text selected here
// (in code points of the caption) is where new boxes and links go, and phrases a caption edit cut
// through are marked.
#include <QTextBrowser>

namespace kosmos::ui {

class AnnotationDocument;
class ResultDocument;

class CaptionView : public QTextBrowser {
    Q_OBJECT
public:
    explicit CaptionView(ResultDocument* document, QWidget* parent = nullptr);

    // The HTML for the current state (exposed for tests).
    QString captionHtml() const;

    void setAnnotation(AnnotationDocument* annotation);
    // Selects caption code points [start, end) as a person would with the mouse.
    void selectCaptionSpan(int start, int end);

protected:
    QMimeData* createMimeDataFromSelection() const override;

private:
    void refresh();
    void onAnchorHovered(const QUrl& url);
    void onAnchorClicked(const QUrl& url);
    void onTextSelectionChanged();
    void restoreTextSelection();
    QString captionUtf16() const;

    ResultDocument* mDocument;
    AnnotationDocument* mAnnotation = nullptr;
    bool mRefreshing = false;
};

// Entity index of an "entity:N" anchor, -1 otherwise.
int entityFromAnchor(const QUrl& url);

} // namespace kosmos::ui
