#include "ui/inference/prompttemplates.h"

#include <QCoreApplication>

namespace kosmos::ui {

QString promptTaskName(PromptTask task) {
    switch (task) {
    case PromptTask::BriefCaption: return QCoreApplication::translate("PromptTask", "Brief grounded caption");
    case PromptTask::DetailedCaption: return QCoreApplication::translate("PromptTask", "Detailed grounded caption");
    case PromptTask::PhraseGrounding: return QCoreApplication::translate("PromptTask", "Phrase grounding");
    case PromptTask::ReferringExpression:
        return QCoreApplication::translate("PromptTask", "Describe a region (referring expression)");
    case PromptTask::GroundedVqa: return QCoreApplication::translate("PromptTask", "Grounded question answering");
    case PromptTask::Custom: return QCoreApplication::translate("PromptTask", "Custom prompt");
    }
    return {};
}

QString promptTaskFieldLabel(PromptTask task) {
    switch (task) {
    case PromptTask::PhraseGrounding: return QCoreApplication::translate("PromptTask", "Phrase");
    case PromptTask::GroundedVqa: return QCoreApplication::translate("PromptTask", "Question");
    default: return {};
    }
}

bool promptTaskNeedsBox(PromptTask task) { return task == PromptTask::ReferringExpression; }

QString buildPrompt(PromptTask task, const QString& text, const std::optional<kosmos::Box>& box) {
    const QString trimmed = text.trimmed();
    switch (task) {
    case PromptTask::BriefCaption: return QStringLiteral("<grounding>An image of");
    case PromptTask::DetailedCaption: return QStringLiteral("<grounding>Describe this image in detail:");
    case PromptTask::PhraseGrounding:
        if (trimmed.isEmpty()) return {};
        return QStringLiteral("<grounding><phrase> %1</phrase>").arg(trimmed);
    case PromptTask::ReferringExpression:
        if (!box) return {};
        return QStringLiteral("<grounding><phrase> It</phrase>%1 is")
            .arg(QString::fromStdString(kosmos::objectTokens({*box})));
    case PromptTask::GroundedVqa:
        if (trimmed.isEmpty()) return {};
        return QStringLiteral("<grounding> Question: %1 Answer:").arg(trimmed);
    case PromptTask::Custom: return trimmed;
    }
    return {};
}

} // namespace kosmos::ui
