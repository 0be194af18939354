#pragma once
// nlohmann's messages begin with the exception's id ("[json.exception.parse_error.101] parse error at line 2,
// column 1: ..."): a user gets what follows it.
#include <nlohmann/json.hpp>
#include <string>

namespace kosmos {

inline std::string jsonErrorText(const nlohmann::json::exception& e) {
    const std::string text = e.what();
    const std::size_t end = text.find("] ");
    return text.rfind("[json.exception.", 0) == 0 && end != std::string::npos ? text.substr(end + 2) : text;
}

} // namespace kosmos
