#pragma once
#include <stdexcept>
#include <string>

namespace kosmos {

// Every failure the engine reports to a user: one line naming the file/record and the reason.
class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}
};

} // namespace kosmos
