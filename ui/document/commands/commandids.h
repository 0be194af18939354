#pragma once
// The ids of mergeable commands (QUndoCommand::id): consecutive commands with the same id may merge
// into one undo step.
namespace kosmos::ui {

enum CommandId {
    DragBoxesCommandId = 1,    // one mouse drag (move or resize): merges while the drag lasts
    NudgeBoxesCommandId = 2,   // arrow-key nudges of the same boxes: consecutive ones merge
};

} // namespace kosmos::ui
