#pragma once
// Forms in scroll areas: the mouse wheel scrolls the form instead of changing whichever spin box, combo box
// or slider (not a scroll bar) happens to pass under the pointer. A field takes the wheel only once it has the keyboard focus.
class QWidget;

namespace kosmos::ui {

// Applies to the fields `form` holds now; they also stop taking the focus from the wheel alone.
void scrollWheelPastFields(QWidget* form);

} // namespace kosmos::ui
