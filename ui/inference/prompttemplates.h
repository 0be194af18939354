#pragma once
// The KOSMOS-2 task prompts (paper / model card) as the prompt panel offers them.
#include <QString>
#include <QStringList>

#include <optional>

#include "model/grounding.h"

namespace kosmos::ui {

enum class PromptTask {
    BriefCaption,          // <grounding>An image of
    DetailedCaption,       // <grounding>Describe this image in detail:
    PhraseGrounding,       // <grounding><phrase> X</phrase>
    ReferringExpression,   // <grounding><phrase> It</phrase><object>..</object> is   (needs a box)
    GroundedVqa,           // <grounding> Question: Q Answer:
    Custom,                // whatever the user typed
};
inline constexpr int kPromptTaskCount = 6;

QString promptTaskName(PromptTask task);
// What the task's text field asks for ("Phrase", "Question"), empty when the task takes no text.
QString promptTaskFieldLabel(PromptTask task);
bool promptTaskNeedsBox(PromptTask task);

// The prompt for `task`; `text` is the phrase or question, `box` the normalised region of a referring
// expression. Returns an empty string when a required part is missing (no box for REG, empty phrase).
QString buildPrompt(PromptTask task, const QString& text, const std::optional<kosmos::Box>& box = std::nullopt);

} // namespace kosmos::ui
