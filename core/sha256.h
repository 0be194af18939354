#pragma once
// SHA-256 (FIPS 180-4) for the content hash of image files.
#include <array>
#include <cstdint>
#include <string>

namespace kosmos::store {

class Sha256 {
public:
    Sha256();
    void update(const void* data, std::size_t size);
    std::string hexDigest();   // finishes the hash; lower-case hex

private:
    void block(const std::uint8_t* data);
    std::array<std::uint32_t, 8> state_;
    std::array<std::uint8_t, 64> buffer_{};
    std::size_t buffered_ = 0;
    std::uint64_t length_ = 0;
};

std::string sha256Hex(const std::string& bytes);
// Hashes a file in constant memory; throws kosmos::Error when it cannot be read.
std::string sha256File(const std::string& path);

} // namespace kosmos::store
