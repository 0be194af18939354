#include "ui/panels/captionview.h"

#include <QGuiApplication>
#include <QItemSelectionModel>
#include <QMimeData>
#include <QRegularExpression>
#include <QScopedValueRollback>
#include <QScrollBar>
#include <QUrl>

#include <algorithm>
#include <memory>
#include <vector>

#include "model/grounding.h"
#include "ui/document/annotationdocument.h"
#include "ui/document/entitycolors.h"
#include "ui/document/entityfiltermodel.h"
#include "ui/document/entitylistmodel.h"
#include "ui/document/resultdocument.h"

namespace kosmos::ui {
namespace {

QString anchorFor(int entity) { return QStringLiteral("entity:%1").arg(entity); }

QString codePoints(const std::u32string& text, std::size_t begin, std::size_t end) {
    begin = std::min(begin, text.size());
    end = std::clamp(end, begin, text.size());
    return QString::fromUcs4(text.data() + begin, static_cast<qsizetype>(end - begin)).toHtmlEscaped();
}

// A line of the model's raw text may break before a tag (a zero-width space there), never inside one (a word
// joiner after the slash of "</", where lines would break); copies leave both out (createMimeDataFromSelection).
constexpr char16_t kTagBreak = u'\u200B';
constexpr char16_t kNoBreak = u'\u2060';

QString rawTextHtml(const std::string& text) {
    const QString raw = QString::fromStdString(kosmos::postProcessNoCleanup(text));
    static const QRegularExpression tag(QStringLiteral("<[^<>]*>"));
    QString html;
    qsizetype done = 0;
    for (auto matches = tag.globalMatch(raw); matches.hasNext();) {
        const QRegularExpressionMatch match = matches.next();
        html += raw.mid(done, match.capturedStart() - done).toHtmlEscaped();
        if (match.capturedStart() > 0 && !raw.at(match.capturedStart() - 1).isSpace()) html += QChar(kTagBreak);
        html += match.captured().replace(QLatin1Char('/'), QStringLiteral("/") + QChar(kNoBreak)).toHtmlEscaped();
        done = match.capturedEnd();
    }
    return html + raw.mid(done).toHtmlEscaped();
}

QString mix(const QColor& color, double amount) {
    // `amount` of the colour over white: a tint that keeps black text readable.
    const auto channel = [amount](int c) { return static_cast<int>(255 - (255 - c) * amount); };
    return QColor(channel(color.red()), channel(color.green()), channel(color.blue())).name();
}

} // namespace

int entityFromAnchor(const QUrl& url) {
    if (url.scheme() != QLatin1String("entity")) return -1;
    bool ok = false;
    const int entity = url.path().toInt(&ok);
    return ok ? entity : -1;
}

CaptionView::CaptionView(ResultDocument* document, QWidget* parent) : QTextBrowser(parent), mDocument(document) {
    setObjectName(QStringLiteral("captionView"));
    setOpenLinks(false);
    setOpenExternalLinks(false);
    setMouseTracking(true);
    connect(this, &QTextBrowser::highlighted, this, &CaptionView::onAnchorHovered);
    connect(this, &QTextBrowser::anchorClicked, this, &CaptionView::onAnchorClicked);
    connect(mDocument, &ResultDocument::resultChanged, this, [this] {
        refresh();
        verticalScrollBar()->setValue(0);   // a new result reads from its start
    });
    connect(mDocument, &ResultDocument::partialTextChanged, this, &CaptionView::refresh);
    connect(mDocument, &ResultDocument::runningChanged, this, &CaptionView::refresh);
    connect(mDocument->selection(), &QItemSelectionModel::selectionChanged, this, &CaptionView::refresh);
    connect(mDocument->entities(), &EntityListModel::hoveredEntityChanged, this, &CaptionView::refresh);
    connect(mDocument->visibleEntities(), &EntityFilterModel::filterChanged, this, &CaptionView::refresh);
    refresh();
}

void CaptionView::setAnnotation(AnnotationDocument* annotation) {
    mAnnotation = annotation;
    connect(this, &QTextEdit::selectionChanged, this, &CaptionView::onTextSelectionChanged);
    connect(annotation, &AnnotationDocument::captionSelectionChanged, this, [this] {
        if (!mRefreshing) restoreTextSelection();
    });
}

QString CaptionView::captionUtf16() const { return QString::fromStdString(mDocument->result().caption); }

void CaptionView::onTextSelectionChanged() {
    if (mRefreshing || !mAnnotation || !mAnnotation->isOpen() || !mDocument->isAnnotation()) return;
    const QString caption = captionUtf16();
    const QTextCursor cursor = textCursor();
    const auto codePoint = [&](int position) {
        position = std::clamp(position, 0, static_cast<int>(caption.size()));
        return static_cast<int>(QStringView(caption).left(position).toUcs4().size());
    };
    QScopedValueRollback<bool> guard(mRefreshing, true);
    mAnnotation->setCaptionSelection(codePoint(cursor.selectionStart()), codePoint(cursor.selectionEnd()));
}

void CaptionView::selectCaptionSpan(int start, int end) {
    if (!mAnnotation) return;
    mAnnotation->setCaptionSelection(start, end);
    restoreTextSelection();
}

void CaptionView::restoreTextSelection() {
    if (!mAnnotation || !mDocument->isAnnotation()) return;
    const auto [start, end] = mAnnotation->captionSelection();
    const std::u32string caption = captionUtf16().toStdU32String();
    const auto utf16 = [&](int codePoint) {
        const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(std::max(codePoint, 0)), caption.size());
        return static_cast<int>(QString::fromUcs4(caption.data(), static_cast<qsizetype>(n)).size());
    };
    QScopedValueRollback<bool> guard(mRefreshing, true);
    QTextCursor cursor(document());
    if (end > start) {
        cursor.setPosition(utf16(start));
        cursor.setPosition(utf16(end), QTextCursor::KeepAnchor);
    }
    setTextCursor(cursor);
}

void CaptionView::onAnchorHovered(const QUrl& url) {
    // Redrawing the text would end a selection the mouse is making.
    if (QGuiApplication::mouseButtons() & Qt::LeftButton) return;
    mDocument->entities()->setHoveredEntity(entityFromAnchor(url));
}

void CaptionView::onAnchorClicked(const QUrl& url) {
    const int entity = entityFromAnchor(url);
    if (entity >= 0) mDocument->selectEntity(entity);
}

QString CaptionView::captionHtml() const {
    if (mDocument->isRunning() || (!mDocument->hasResult() && !mDocument->partialText().isEmpty())) {
        return QStringLiteral("<p style='color:#555'>%1<span style='color:#2a7ae2'>&#9612;</span></p>")
            .arg(mDocument->partialText().toHtmlEscaped());
    }
    if (!mDocument->hasResult()) {
        return QStringLiteral("<p style='color:#888'>%1</p>")
            .arg(tr("Run a prompt to see the grounded caption here.").toHtmlEscaped());
    }
    const kosmos::GenerationResult& result = mDocument->result();
    const std::u32string caption = QString::fromStdString(result.caption).toStdU32String();

    // Entities with at least one box left after the confidence filter, in caption order.
    const EntityListModel* entities = mDocument->entities();
    const EntityFilterModel* visible = mDocument->visibleEntities();
    struct Span {
        std::size_t begin, end;
        int entity;
    };
    std::vector<Span> spans;
    const bool annotation = mDocument->isAnnotation();
    for (int e = 0; e < static_cast<int>(result.entities.size()); ++e) {
        const EntityAnnotation* info = entities->annotation(e);
        if (info && (info->suggestion || !info->linked)) continue;   // suggestions' spans are the model's
        const QList<int> rows = entities->rowsOfEntity(e);
        const bool shown = std::any_of(rows.begin(), rows.end(),
                                       [visible](int row) { return visible->isSourceRowVisible(row); });
        const auto [begin, end] = result.entities[static_cast<std::size_t>(e)].span;
        if (!shown || begin < 0 || end <= begin) continue;
        spans.push_back({static_cast<std::size_t>(begin), static_cast<std::size_t>(end), e});
    }
    std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.begin < b.begin; });

    const QSet<int> selected = mDocument->selectedEntities();
    const int hovered = entities->hoveredEntity();
    // Editing keeps every space, so that positions in the text are positions in the caption.
    QString html = annotation ? QStringLiteral("<p style='font-size:large; line-height:140%; white-space:pre-wrap'>")
                              : QStringLiteral("<p style='font-size:large; line-height:140%'>");
    std::size_t cursor = 0;
    for (const Span& span : spans) {
        if (span.begin < cursor) continue;   // overlapping (nested) phrases: the first one wins
        html += codePoints(caption, cursor, span.begin);
        const QColor color = entityColor(entities->colorIndex(span.entity));
        QString style;
        if (selected.contains(span.entity)) {
            style = QStringLiteral("background-color:%1; color:%2; font-weight:bold;")
                        .arg(color.name(), contrastingTextColor(color).name());
        } else if (span.entity == hovered) {
            style = QStringLiteral("background-color:%1; color:black; text-decoration:underline;").arg(mix(color, 0.6));
        } else {
            style = QStringLiteral("background-color:%1; color:black;").arg(mix(color, 0.3));
        }
        const EntityAnnotation* info = entities->annotation(span.entity);
        if (info && info->spanCut) style += QStringLiteral(" color:#b00000; text-decoration:underline;");
        html += QStringLiteral("<a href='%1' style='text-decoration:none; %2'>%3</a>")
                    .arg(anchorFor(span.entity), style, codePoints(caption, span.begin, span.end));
        cursor = span.end;
    }
    html += codePoints(caption, cursor, caption.size());
    html += QStringLiteral("</p>");
    if (result.cancelled) html += QStringLiteral("<p style='color:#a60'>%1</p>").arg(tr("(cancelled)"));
    if (!result.text.empty()) {
        html += QStringLiteral("<p style='color:#888; font-size:small'>%1</p>").arg(rawTextHtml(result.text));
    }
    return html;
}

QMimeData* CaptionView::createMimeDataFromSelection() const {
    std::unique_ptr<QMimeData> selection(QTextBrowser::createMimeDataFromSelection());
    if (!selection) return nullptr;
    const auto clean = [](QString text) { return text.remove(QChar(kTagBreak)).remove(QChar(kNoBreak)); };
    auto* data = new QMimeData;   // plain text and HTML only: no other format keeps the invisible characters
    data->setText(clean(selection->text()));
    if (selection->hasHtml()) data->setHtml(clean(selection->html()));
    return data;
}

void CaptionView::refresh() {
    const int scroll = verticalScrollBar()->value();
    const bool streaming = mDocument->isRunning();
    {
        QScopedValueRollback<bool> guard(mRefreshing, true);
        setHtml(captionHtml());
    }
    restoreTextSelection();
    if (streaming)
        verticalScrollBar()->setValue(verticalScrollBar()->maximum());
    else
        verticalScrollBar()->setValue(scroll);
}

} // namespace kosmos::ui
