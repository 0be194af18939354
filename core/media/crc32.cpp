#include "core/media/crc32.h"

#include <array>

namespace kosmos {
namespace {

using Tables = std::array<std::array<std::uint32_t, 256>, 8>;

// tables[0]: the byte-at-a-time table; tables[s]: a byte followed by s zero bytes (slicing by eight).
constexpr Tables makeTables()
{
    Tables t{};
    for (std::uint32_t n = 0; n < 256; ++n) {
        std::uint32_t c = n;
        for (int k = 0; k < 8; ++k)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
        t[0][n] = c;
    }
    for (std::uint32_t n = 0; n < 256; ++n)
        for (int s = 1; s < 8; ++s)
            t[s][n] = (t[s - 1][n] >> 8) ^ t[0][t[s - 1][n] & 0xFFu];
    return t;
}

constexpr Tables kTables = makeTables();

std::uint32_t le32(const std::uint8_t* p)
{
    return std::uint32_t(p[0]) | (std::uint32_t(p[1]) << 8) | (std::uint32_t(p[2]) << 16) | (std::uint32_t(p[3]) << 24);
}

} // namespace

std::uint32_t crc32(const std::uint8_t* data, std::size_t size)
{
    const auto& t = kTables;
    std::uint32_t crc = 0xFFFFFFFFu;
    for (; size >= 8; data += 8, size -= 8) {
        const std::uint32_t one = le32(data) ^ crc;
        const std::uint32_t two = le32(data + 4);
        crc = t[7][one & 0xFFu] ^ t[6][(one >> 8) & 0xFFu] ^ t[5][(one >> 16) & 0xFFu] ^ t[4][one >> 24] ^
              t[3][two & 0xFFu] ^ t[2][(two >> 8) & 0xFFu] ^ t[1][(two >> 16) & 0xFFu] ^ t[0][two >> 24];
    }
    for (; size > 0; ++data, --size)
        crc = t[0][(crc ^ *data) & 0xFFu] ^ (crc >> 8);
    return ~crc;
}

} // namespace kosmos
