#pragma once
// The message of the kosmos::Error that `work` throws, empty when it throws nothing; any other exception comes
// back marked "NOT A kosmos::Error: ", so that a check on the message fails on it.
#include <QString>

#include <exception>
#include <functional>

#include "model/error.h"

namespace kosmos::reliability {

inline QString errorOf(const std::function<void()>& work) {
    try {
        work();
    } catch (const Error& e) {
        return QString::fromStdString(e.what());
    } catch (const std::exception& e) {
        return QStringLiteral("NOT A kosmos::Error: ") + QString::fromStdString(e.what());
    }
    return {};
}

} // namespace kosmos::reliability
