#pragma once
// Where the workbench finds what ships with it.
#include <QString>

namespace kosmos::ui {

// The bundled demo model: <exe dir>/../share/kosmos2/demo-model when installed, else the source tree's
// resources/demo-model. Empty when neither holds a config.json.
QString demoModelFolder();

} // namespace kosmos::ui
