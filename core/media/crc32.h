#pragma once
// CRC-32 (the polynomial of PNG chunks, zlib and gzip), eight bytes a step (slicing by eight).
#include <cstddef>
#include <cstdint>

namespace kosmos {

std::uint32_t crc32(const std::uint8_t* data, std::size_t size);

} // namespace kosmos
