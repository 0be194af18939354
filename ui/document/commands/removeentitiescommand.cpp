#include "ui/document/commands/removeentitiescommand.h"

#include <QCoreApplication>

#include <algorithm>

#include "ui/document/annotationdocument.h"

namespace kosmos::ui {

RemoveEntitiesCommand::RemoveEntitiesCommand(AnnotationDocument* document, const QList<quint64>& entities,
                                             QUndoCommand* parent)
    : EntityListCommand(document,
                        entities.size() > 1 ? QCoreApplication::translate("Commands", "Remove Entities")
                                            : QCoreApplication::translate("Commands", "Remove Entity"),
                        parent) {
    QList<quint64> withTwins = entities;
    for (const quint64 uid : entities) withTwins += document->twinEntities(uid);
    std::vector<EditEntity> edited = document->entities();
    const auto doomed = [&](const EditEntity& e) { return withTwins.contains(e.uid); };
    edited.erase(std::remove_if(edited.begin(), edited.end(), doomed), edited.end());
    setEdited(std::move(edited));
}

} // namespace kosmos::ui
