#pragma once
// CRC-32 (the polynomial of PNG chunks, zlib and gzip), a table lookup per byte.
#include <cstddef>
#include <cstdint>

namespace kosmos {

std::uint32_t crc32(const std::uint8_t* data, std::size_t size);

} // namespace kosmos
