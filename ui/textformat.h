#pragma once
// Small text helpers shared by the panels and the status bar.
#include <QString>

namespace kosmos::ui {

// "1 box", "3 boxes".
inline QString countOf(long long n, const QString& singular, const QString& plural) {
    return QStringLiteral("%L1 %2").arg(n).arg(n == 1 ? singular : plural);
}

} // namespace kosmos::ui
