#include "core/json_scan.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace kosmos::store {

namespace {

void appendUtf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// Length of a valid UTF-8 sequence of 2-4 bytes at `p`, 0 when invalid.
std::size_t multibyteLength(const unsigned char* p, std::size_t left) {
    std::size_t length = 0;
    std::uint32_t cp = 0;
    std::uint32_t min = 0;
    if ((p[0] & 0xE0) == 0xC0) { length = 2; cp = p[0] & 0x1F; min = 0x80; }
    else if ((p[0] & 0xF0) == 0xE0) { length = 3; cp = p[0] & 0x0F; min = 0x800; }
    else if ((p[0] & 0xF8) == 0xF0) { length = 4; cp = p[0] & 0x07; min = 0x10000; }
    else return 0;
    if (length > left) return 0;
    for (std::size_t i = 1; i < length; ++i) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return length;
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// For a well-formed JSON number outside the range of double: true when it is tiny (rounds to zero), false
// when it is huge. Decided by its decimal order of magnitude (first significant digit plus exponent), since
// "1<500 digits>e-10" is huge although its exponent is negative.
bool isTiny(std::string_view text) {
    std::size_t i = text[0] == '-' ? 1 : 0;
    long long magnitude = 0;
    bool significant = false;
    for (; i < text.size() && isDigit(text[i]); ++i) {
        if (!significant && text[i] != '0') {
            significant = true;
            magnitude = 0;
        }
        if (significant) ++magnitude;
    }
    magnitude -= 1;   // 1 significant integer digit: order 0
    if (i < text.size() && text[i] == '.') {
        ++i;
        for (long long k = 1; i < text.size() && isDigit(text[i]); ++i, ++k) {
            if (!significant && text[i] != '0') {
                significant = true;
                magnitude = -k;
            }
        }
    }
    long long exponent = 0;
    if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
        ++i;
        const bool negative = i < text.size() && text[i] == '-';
        if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
        for (; i < text.size() && isDigit(text[i]); ++i) exponent = std::min(exponent * 10 + (text[i] - '0'), 1000000000LL);
        if (negative) exponent = -exponent;
    }
    return magnitude + exponent < 0;
}

} // namespace

bool JsonScanner::fail(const std::string& reason) {
    if (error_.empty()) error_ = reason + " at byte " + std::to_string(pos_);
    return false;
}

void JsonScanner::skipSpace() {
    while (pos_ < text_.size()) {
        const char c = text_[pos_];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        ++pos_;
    }
}

char JsonScanner::peek() {
    skipSpace();
    return pos_ < text_.size() ? text_[pos_] : '\0';
}

bool JsonScanner::consume(char c) {
    if (peek() != c || pos_ >= text_.size()) return false;
    ++pos_;
    return true;
}

bool JsonScanner::atEnd() {
    skipSpace();
    return pos_ == text_.size();
}

bool JsonScanner::readHex4(std::uint32_t& out) {
    if (text_.size() - pos_ < 4) return fail("truncated \\u escape");
    out = 0;
    for (int i = 0; i < 4; ++i) {
        const char c = text_[pos_++];
        out <<= 4;
        if (c >= '0' && c <= '9') out |= static_cast<std::uint32_t>(c - '0');
        else if (c >= 'a' && c <= 'f') out |= static_cast<std::uint32_t>(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') out |= static_cast<std::uint32_t>(c - 'A' + 10);
        else return fail("invalid \\u escape");
    }
    return true;
}

bool JsonScanner::readString(std::string& out) {
    out.clear();
    if (!consume('"')) return fail("string expected");
    const auto* bytes = reinterpret_cast<const unsigned char*>(text_.data());
    while (true) {
        std::size_t run = pos_;
        while (run < text_.size() && bytes[run] >= 0x20 && bytes[run] < 0x80 && bytes[run] != '"' && bytes[run] != '\\') {
            ++run;
        }
        out.append(text_.data() + pos_, run - pos_);
        pos_ = run;
        if (pos_ >= text_.size()) return fail("unterminated string");
        const unsigned char c = bytes[pos_];
        if (c == '"') {
            ++pos_;
            return true;
        }
        if (c < 0x20) return fail("control character in string");
        if (c >= 0x80) {
            const std::size_t n = multibyteLength(bytes + pos_, text_.size() - pos_);
            if (n == 0) return fail("invalid UTF-8 in string");
            out.append(text_.data() + pos_, n);
            pos_ += n;
            continue;
        }
        // Escape.
        if (++pos_ >= text_.size()) return fail("unterminated string");
        const char e = text_[pos_++];
        switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
            std::uint32_t cp = 0;
            if (!readHex4(cp)) return false;
            if (cp >= 0xDC00 && cp <= 0xDFFF) return fail("lone low surrogate in \\u escape");
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                std::uint32_t low = 0;
                if (text_.substr(pos_, 2) != "\\u") return fail("lone high surrogate in \\u escape");
                pos_ += 2;
                if (!readHex4(low)) return false;
                if (low < 0xDC00 || low > 0xDFFF) return fail("invalid surrogate pair in \\u escape");
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            }
            appendUtf8(out, cp);
            break;
        }
        default: return fail("invalid escape in string");
        }
    }
}

bool JsonScanner::readNumber(JsonNumber& out) {
    skipSpace();
    const std::size_t start = pos_;
    std::size_t p = pos_;
    const auto digits = [&] {
        const std::size_t from = p;
        while (p < text_.size() && isDigit(text_[p])) ++p;
        return p > from;
    };
    if (p < text_.size() && text_[p] == '-') ++p;
    if (p < text_.size() && text_[p] == '0') {
        ++p;
    } else if (!digits()) {
        return fail("number expected");
    }
    bool integer = true;
    if (p < text_.size() && text_[p] == '.') {
        ++p;
        integer = false;
        if (!digits()) return fail("digits expected after '.'");
    }
    if (p < text_.size() && (text_[p] == 'e' || text_[p] == 'E')) {
        ++p;
        integer = false;
        if (p < text_.size() && (text_[p] == '+' || text_[p] == '-')) ++p;
        if (!digits()) return fail("digits expected in exponent");
    }
    out = JsonNumber{};
    out.integer = integer;
    out.text = text_.substr(start, p - start);
    const char* first = text_.data() + start;
    const char* last = text_.data() + p;
    if (integer) {
        const auto result = std::from_chars(first, last, out.asInt);
        out.fitsInt64 = result.ec == std::errc() && result.ptr == last;
    }
    const auto result = std::from_chars(first, last, out.asDouble);
    if (result.ec == std::errc::result_out_of_range) {
        // Too small for a double reads as zero with its sign. Too large is refused, as the document parser
        // (nlohmann) refuses it: accepting it here let a record through whose unknown fields could then not be
        // parsed again (found by fuzzing: the img2dataset caption fallback and the export dropped them).
        if (!isTiny(out.text)) return fail("number out of range");
        out.asDouble = *first == '-' ? -0.0 : 0.0;
    }
    pos_ = p;
    return true;
}

bool JsonScanner::copyLiteral(std::string& out) {
    for (const char* literal : {"null", "true", "false"}) {
        const std::string_view word(literal);
        if (text_.substr(pos_, word.size()) == word) {
            out.append(word);
            pos_ += word.size();
            return true;
        }
    }
    return fail("invalid literal");
}

bool JsonScanner::copyValue(std::string& out, int depth) {
    if (depth > maxDepth_) return fail("nested deeper than " + std::to_string(maxDepth_) + " levels");
    const char c = peek();
    if (c == '"') {
        const std::size_t start = pos_;
        std::string ignored;
        if (!readString(ignored)) return false;
        out.append(text_.data() + start, pos_ - start);
        return true;
    }
    if (c == '{' || c == '[') {
        const bool object = c == '{';
        const char close = object ? '}' : ']';
        ++pos_;
        out += c;
        if (consume(close)) {
            out += close;
            return true;
        }
        while (true) {
            if (object) {
                if (peek() != '"') return fail("object key expected");
                if (!copyValue(out, depth + 1)) return false;
                if (!consume(':')) return fail("':' expected");
                out += ':';
            }
            if (!copyValue(out, depth + 1)) return false;
            if (consume(close)) {
                out += close;
                return true;
            }
            if (!consume(',')) return fail(object ? "',' or '}' expected" : "',' or ']' expected");
            out += ',';
        }
    }
    if (c == 'n' || c == 't' || c == 'f') return copyLiteral(out);
    if (c == '-' || isDigit(c)) {
        JsonNumber number;
        if (!readNumber(number)) return false;
        out.append(number.text);
        return true;
    }
    return fail(c == '\0' ? "unexpected end of input" : "value expected");
}

bool isValidUtf8Text(std::string_view text) {
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    for (std::size_t i = 0; i < text.size();) {
        if (p[i] < 0x80) { ++i; continue; }
        const std::size_t n = multibyteLength(p + i, text.size() - i);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

} // namespace kosmos::store
