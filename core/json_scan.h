#pragma once
// A strict, bounded JSON reader over one record's text (RFC 8259: UTF-8 checked, no comments, no
// trailing commas, nesting limited). It reads values in place — strings, numbers, or any value
// copied as compact text — so the GRIT decoder builds a Sample without a document tree.
#include <cstdint>
#include <string>
#include <string_view>

namespace kosmos::store {

struct JsonNumber {
    bool integer = false;        // no fraction and no exponent
    bool fitsInt64 = false;      // integer within int64
    std::int64_t asInt = 0;
    double asDouble = 0;
    std::string_view text;       // as written
};

// True when `text` is well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF), as the
// scanner requires of JSON strings.
bool isValidUtf8Text(std::string_view text);

class JsonScanner {
public:
    JsonScanner(std::string_view text, int maxDepth) : text_(text), maxDepth_(maxDepth) {}

    // What comes next after white space: '{', '[', '"', 'n' (null), 't'/'f', '-'/digit, or 0 at the end.
    char peek();
    bool consume(char c);          // skips white space, then `c` if it is next
    bool atEnd();                  // only white space is left

    bool readString(std::string& out);
    bool readNumber(JsonNumber& out);
    // Checks the next value and appends it to `out` without insignificant white space.
    bool copyValue(std::string& out, int depth = 0);

    // Set by the first failure: "<reason> at byte N".
    const std::string& error() const { return error_; }
    bool fail(const std::string& reason);
    std::size_t position() const { return pos_; }

private:
    void skipSpace();
    bool readHex4(std::uint32_t& out);
    bool copyLiteral(std::string& out);

    std::string_view text_;
    std::size_t pos_ = 0;
    int maxDepth_;
    std::string error_;
};

} // namespace kosmos::store
