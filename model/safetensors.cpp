#include "model/safetensors.h"

#include "model/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <limits>
#include <set>
#include <unordered_map>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kosmos {

namespace {

using Json = nlohmann::json;

[[noreturn]] void fail(const std::string& path, const std::string& reason)
{
    throw Error(path + ": " + reason);
}

std::string errnoText(int code) { return std::strerror(code); }

// Text from an untrusted file, made fit for a one-line message: control bytes replaced, length bounded.
std::string oneLine(const std::string& text, std::size_t maxLength)
{
    std::string out;
    for (std::size_t i = 0; i < text.size() && i < maxLength; ++i)
        out += static_cast<unsigned char>(text[i]) < 0x20 ? '?' : text[i];
    return text.size() > maxLength ? out + "..." : out;
}

std::string quote(const std::string& name) { return "'" + oneLine(name, 120) + "'"; }

std::string shapeText(const std::vector<std::int64_t>& shape)
{
    std::string text = "[";
    for (std::size_t i = 0; i < shape.size(); ++i)
        text += (i ? ", " : "") + std::to_string(shape[i]);
    return text + "]";
}

std::string offsetsText(std::uint64_t begin, std::uint64_t end)
{
    return "[" + std::to_string(begin) + ", " + std::to_string(end) + "]";
}

// Byte size of a tensor, false on a negative dimension or when numel or numel * size overflows.
bool tensorBytes(const std::vector<std::int64_t>& shape, DType dtype, std::uint64_t& bytes)
{
    std::uint64_t numel = 1;
    for (std::int64_t dim : shape) {
        if (dim < 0 || __builtin_mul_overflow(numel, static_cast<std::uint64_t>(dim), &numel))
            return false;
    }
    if (numel > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        return false;
    return !__builtin_mul_overflow(numel, static_cast<std::uint64_t>(dtypeSize(dtype)), &bytes);
}

// Streams the JSON header into TensorInfos, rejecting anything outside the format as soon as it is seen,
// so a hostile header can never build deep or large structures.
class HeaderParser : public nlohmann::json_sax<Json> {
public:
    explicit HeaderParser(const SafetensorsLimits& limits) : mLimits(limits) {}

    std::vector<TensorInfo> tensors;
    std::map<std::string, std::string> metadata;
    std::string error;

    bool null() override
    {
        if (mAt == At::TopValue && mIsMetadata) { mAt = At::Top; return true; }
        return valueError();
    }
    bool boolean(bool) override { return valueError(); }
    bool binary(binary_t&) override { return valueError(); }
    bool number_float(number_float_t, const string_t&) override { return valueError(); }
    bool number_integer(number_integer_t value) override
    {
        if (value >= 0) return number_unsigned(static_cast<number_unsigned_t>(value));
        return valueError();
    }
    bool number_unsigned(number_unsigned_t value) override
    {
        if (mAt != At::Shape && mAt != At::Offsets) return valueError();
        TensorInfo& t = tensors.back();
        if (mAt == At::Shape) {
            if (t.shape.size() >= mLimits.maxRank)
                return setError("tensor " + quote(t.name) + " has more than " + std::to_string(mLimits.maxRank) +
                                " dimensions");
            if (value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return valueError();
            t.shape.push_back(static_cast<std::int64_t>(value));
            return true;
        }
        if (mAt == At::Offsets && mOffsetCount < 2) {
            (mOffsetCount++ == 0 ? t.begin : t.end) = value;
            return true;
        }
        return valueError();
    }
    bool string(string_t& value) override
    {
        if (mAt == At::MetaValue) { metadata[mKey] = value; mAt = At::Meta; return true; }
        if (mAt == At::EntryValue && mKey == "dtype") {
            if (!parseDType(value, tensors.back().dtype))
                return setError("tensor " + quote(tensors.back().name) + " has unknown dtype " + quote(value));
            mAt = At::Entry;
            return true;
        }
        return valueError();
    }
    bool start_object(std::size_t) override
    {
        if (mAt == At::Start) { mAt = At::Top; return true; }
        if (mAt == At::TopValue && mIsMetadata) { mAt = At::Meta; return true; }
        if (mAt == At::TopValue) { mAt = At::Entry; mFields.clear(); return true; }
        return valueError();
    }
    bool key(string_t& key) override
    {
        if (mAt == At::Top) {
            mIsMetadata = key == "__metadata__";
            if (mIsMetadata ? mSawMetadata : !mNames.insert(key).second)
                return setError("duplicate key " + quote(key) + " in the header");
            if (mIsMetadata) { mSawMetadata = true; mAt = At::TopValue; return true; }
            if (tensors.size() >= mLimits.maxTensors)
                return setError("header lists more than " + std::to_string(mLimits.maxTensors) + " tensors");
            tensors.emplace_back();
            tensors.back().name = key;
            mAt = At::TopValue;
            return true;
        }
        if (mAt == At::Meta) {
            if (metadata.count(key)) return setError("duplicate __metadata__ key " + quote(key));
            mKey = key;
            mAt = At::MetaValue;
            return true;
        }
        if (mAt == At::Entry) {
            const std::string& name = tensors.back().name;
            if (key != "dtype" && key != "shape" && key != "data_offsets")
                return setError("tensor " + quote(name) + " has unexpected field " + quote(key));
            if (!mFields.insert(key).second)
                return setError("tensor " + quote(name) + " repeats field " + quote(key));
            mKey = key;
            mAt = At::EntryValue;
            return true;
        }
        return valueError();
    }
    bool end_object() override
    {
        if (mAt == At::Top) { mAt = At::Done; return true; }
        if (mAt == At::Meta) { mAt = At::Top; return true; }
        if (mAt == At::Entry) {
            for (const char* field : {"dtype", "shape", "data_offsets"}) {
                if (!mFields.count(field))
                    return setError("tensor " + quote(tensors.back().name) + " lacks " + quote(field));
            }
            mAt = At::Top;
            return true;
        }
        return valueError();
    }
    bool start_array(std::size_t) override
    {
        if (mAt == At::EntryValue && mKey == "shape") { mAt = At::Shape; return true; }
        if (mAt == At::EntryValue && mKey == "data_offsets") { mAt = At::Offsets; mOffsetCount = 0; return true; }
        return valueError();
    }
    bool end_array() override
    {
        if (mAt == At::Shape) { mAt = At::Entry; return true; }
        if (mAt == At::Offsets && mOffsetCount == 2) { mAt = At::Entry; return true; }
        return valueError();
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override
    {
        if (error.empty()) error = "header is not valid JSON (" + oneLine(e.what(), 300) + ")";
        return false;
    }

private:
    enum class At { Start, Top, TopValue, Meta, MetaValue, Entry, EntryValue, Shape, Offsets, Done };

    bool setError(const std::string& message)
    {
        error = message;
        return false;
    }
    // The message for an unexpected JSON value, worded after where it appeared.
    bool valueError()
    {
        const std::string tensor = tensors.empty() ? std::string() : "tensor " + quote(tensors.back().name) + " ";
        switch (mAt) {
        case At::Start: return setError("header is not a JSON object");
        case At::TopValue:
            return setError(mIsMetadata ? "__metadata__ is not an object of strings" : tensor + "is not an object");
        case At::Meta:
        case At::MetaValue: return setError("__metadata__ value of " + quote(mKey) + " is not a string");
        case At::EntryValue:
            if (mKey == "dtype") return setError(tensor + "dtype is not a string");
            return setError(tensor + mKey + " is not an array of non-negative integers");
        case At::Shape: return setError(tensor + "shape holds a value that is not a non-negative integer");
        case At::Offsets: return setError(tensor + "data_offsets is not a pair of non-negative integers");
        default: return setError("malformed header");
        }
    }

    const SafetensorsLimits& mLimits;
    At mAt = At::Start;
    bool mIsMetadata = false;
    bool mSawMetadata = false;
    std::set<std::string> mNames;
    std::set<std::string> mFields;
    std::string mKey;
    int mOffsetCount = 0;
};

struct Mapping {
    void* addr = nullptr;
    std::size_t size = 0;
    ~Mapping()
    {
        if (addr) ::munmap(addr, size);
    }
};

// Checks sizes and that the tensors tile the data section exactly: no overlap, no gap, no trailing bytes.
void validateLayout(const std::string& path, const std::vector<TensorInfo>& tensors, std::uint64_t dataSize)
{
    for (const TensorInfo& t : tensors) {
        const std::string tensor = "tensor " + quote(t.name);
        const std::string offsets = " data_offsets " + offsetsText(t.begin, t.end);
        std::uint64_t bytes = 0;
        if (!tensorBytes(t.shape, t.dtype, bytes))
            fail(path, tensor + " shape " + shapeText(t.shape) + " is too large (element count overflows)");
        if (t.begin > t.end) fail(path, tensor + offsets + " end before they begin");
        if (t.end - t.begin != bytes)
            fail(path, tensor + offsets + " do not match shape " + shapeText(t.shape) + " of " + dtypeName(t.dtype) +
                           " (" + std::to_string(bytes) + " bytes)");
        if (t.end > dataSize)
            fail(path, tensor + offsets + " lie outside the data section (" + std::to_string(dataSize) + " bytes)");
    }
    std::vector<const TensorInfo*> order;
    for (const TensorInfo& t : tensors) order.push_back(&t);
    std::sort(order.begin(), order.end(), [](const TensorInfo* a, const TensorInfo* b) {
        return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
    });
    std::uint64_t covered = 0;
    const TensorInfo* previous = nullptr;
    for (const TensorInfo* t : order) {
        if (t->begin < covered)
            fail(path, "tensor " + quote(t->name) + " data_offsets " + offsetsText(t->begin, t->end) + " overlap " +
                           "tensor " + quote(previous->name) + " " + offsetsText(previous->begin, previous->end));
        if (t->begin > covered)
            fail(path, "gap of " + std::to_string(t->begin - covered) + " bytes in the data section before tensor " +
                           quote(t->name));
        covered = t->end;
        previous = t;
    }
    if (covered != dataSize)
        fail(path, std::to_string(dataSize - covered) + " trailing bytes after the last tensor (data section " +
                       std::to_string(dataSize) + " bytes, tensors cover " + std::to_string(covered) + ")");
}

} // namespace

std::size_t dtypeSize(DType dtype)
{
    switch (dtype) {
    case DType::F64: case DType::I64: return 8;
    case DType::F32: case DType::I32: return 4;
    case DType::F16: case DType::BF16: case DType::I16: return 2;
    case DType::I8: case DType::U8: case DType::Bool: return 1;
    }
    return 0;
}

const char* dtypeName(DType dtype)
{
    switch (dtype) {
    case DType::F64: return "F64";
    case DType::F32: return "F32";
    case DType::F16: return "F16";
    case DType::BF16: return "BF16";
    case DType::I64: return "I64";
    case DType::I32: return "I32";
    case DType::I16: return "I16";
    case DType::I8: return "I8";
    case DType::U8: return "U8";
    case DType::Bool: return "BOOL";
    }
    return "?";
}

bool parseDType(const std::string& name, DType& out)
{
    for (DType d : {DType::F64, DType::F32, DType::F16, DType::BF16, DType::I64, DType::I32, DType::I16, DType::I8,
                    DType::U8, DType::Bool}) {
        if (name == dtypeName(d)) { out = d; return true; }
    }
    return false;
}

std::int64_t TensorInfo::numel() const
{
    std::int64_t n = 1;
    for (std::int64_t dim : shape) n *= dim;
    return n;
}

struct SafetensorsFile::Impl {
    std::string path;
    std::shared_ptr<Mapping> mapping;
    const std::uint8_t* dataStart = nullptr;
    std::uint64_t dataSize = 0;
    std::vector<TensorInfo> tensors;
    std::unordered_map<std::string, std::size_t> byName;
    std::map<std::string, std::string> metadata;
};

SafetensorsFile SafetensorsFile::open(const std::string& path, const SafetensorsLimits& limits)
{
    // O_NONBLOCK: a FIFO must not hang the open; it is rejected as not a regular file just below.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) fail(path, "cannot open (" + errnoText(errno) + ")");
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        fail(path, "not a regular file");
    }
    const std::uint64_t fileSize = static_cast<std::uint64_t>(st.st_size);
    if (fileSize < 8) {
        ::close(fd);
        fail(path, "file is " + std::to_string(fileSize) + " bytes, too short for a safetensors header");
    }
    auto mapping = std::make_shared<Mapping>();
    // Copy-on-write: zero-copy tensors that get written to in place change private pages, never the file.
    // Under strict overcommit accounting that can be refused for big files; then the mapping is read-only.
    void* addr = ::mmap(nullptr, fileSize, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (addr == MAP_FAILED && errno == ENOMEM) addr = ::mmap(nullptr, fileSize, PROT_READ, MAP_PRIVATE, fd, 0);
    const int mapErrno = errno;
    ::close(fd);
    if (addr == MAP_FAILED) fail(path, "cannot map (" + errnoText(mapErrno) + ")");
    mapping->addr = addr;
    mapping->size = fileSize;
    const auto* bytes = static_cast<const std::uint8_t*>(addr);

    std::uint64_t headerSize = 0;
    for (int i = 7; i >= 0; --i) headerSize = (headerSize << 8) | bytes[i];
    if (headerSize > limits.maxHeaderBytes)
        fail(path, "header length " + std::to_string(headerSize) + " exceeds the limit of " +
                       std::to_string(limits.maxHeaderBytes) + " bytes");
    if (headerSize > fileSize - 8)
        fail(path, "header length " + std::to_string(headerSize) + " is larger than the file (" +
                       std::to_string(fileSize) + " bytes)");

    HeaderParser parser(limits);
    const char* header = reinterpret_cast<const char*>(bytes + 8);
    bool parsed = false;
    try {
        parsed = Json::sax_parse(header, header + headerSize, &parser);
    } catch (const std::exception& e) {
        fail(path, "header is not valid JSON (" + oneLine(e.what(), 300) + ")");
    }
    if (!parsed) fail(path, parser.error.empty() ? "malformed header" : parser.error);

    auto impl = std::make_shared<Impl>();
    impl->path = path;
    impl->dataStart = bytes + 8 + headerSize;
    impl->dataSize = fileSize - 8 - headerSize;
    validateLayout(path, parser.tensors, impl->dataSize);
    impl->mapping = std::move(mapping);
    impl->tensors = std::move(parser.tensors);
    impl->metadata = std::move(parser.metadata);
    for (std::size_t i = 0; i < impl->tensors.size(); ++i) impl->byName.emplace(impl->tensors[i].name, i);

    SafetensorsFile file;
    file.mImpl = std::move(impl);
    return file;
}

const std::string& SafetensorsFile::path() const { return mImpl->path; }
const std::vector<TensorInfo>& SafetensorsFile::tensors() const { return mImpl->tensors; }
const std::map<std::string, std::string>& SafetensorsFile::metadata() const { return mImpl->metadata; }
std::shared_ptr<const void> SafetensorsFile::keepAlive() const { return mImpl->mapping; }

const TensorInfo* SafetensorsFile::find(const std::string& name) const
{
    auto it = mImpl->byName.find(name);
    return it == mImpl->byName.end() ? nullptr : &mImpl->tensors[it->second];
}

const std::uint8_t* SafetensorsFile::data(const TensorInfo& info) const
{
    if (info.begin > info.end || info.end > mImpl->dataSize) return nullptr;
    return mImpl->dataStart + info.begin;
}

namespace {

bool isDirectory(const std::string& path)
{
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool exists(const std::string& path)
{
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

bool isPlainFileName(const std::string& name)
{
    return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
           name.find('\0') == std::string::npos;
}

// Reads a bounded JSON file, rejecting duplicate keys and deep nesting.
Json readIndex(const std::string& path, std::uint64_t maxBytes)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) fail(path, "cannot open (" + errnoText(errno) + ")");
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || static_cast<std::uint64_t>(st.st_size) > maxBytes) {
        ::close(fd);
        fail(path, "not a regular file of at most " + std::to_string(maxBytes) + " bytes");
    }
    std::string text(static_cast<std::size_t>(st.st_size), '\0');
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::read(fd, &text[done], text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
    }
    ::close(fd);
    text.resize(done);
    std::vector<std::set<std::string>> keys;
    auto check = [&](int depth, Json::parse_event_t event, Json& parsed) {
        if (depth > 16) fail(path, "JSON nests deeper than 16 levels");
        if (event == Json::parse_event_t::object_start) keys.emplace_back();
        if (event == Json::parse_event_t::object_end && !keys.empty()) keys.pop_back();
        if (event == Json::parse_event_t::key && !keys.back().insert(parsed.get<std::string>()).second)
            fail(path, "duplicate key " + quote(parsed.get<std::string>()));
        return true;
    };
    try {
        return Json::parse(text, check);
    } catch (const nlohmann::json::exception& e) {
        fail(path, "is not valid JSON (" + oneLine(e.what(), 300) + ")");
    }
}

} // namespace

SafetensorsCheckpoint SafetensorsCheckpoint::open(const std::string& dirOrFile, const SafetensorsLimits& limits)
{
    SafetensorsCheckpoint checkpoint;
    const std::string single = dirOrFile + "/model.safetensors";
    const std::string indexPath = dirOrFile + "/model.safetensors.index.json";
    if (!isDirectory(dirOrFile) || exists(single)) {
        checkpoint.mFiles.push_back(SafetensorsFile::open(isDirectory(dirOrFile) ? single : dirOrFile, limits));
        for (const TensorInfo& t : checkpoint.mFiles[0].tensors()) checkpoint.mIndex.emplace(t.name, 0);
        return checkpoint;
    }
    if (!exists(indexPath)) fail(dirOrFile, "holds neither model.safetensors nor model.safetensors.index.json");

    const Json index = readIndex(indexPath, limits.maxIndexBytes);
    if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object())
        fail(indexPath, "has no \"weight_map\" object");
    if (index.contains("metadata") && !index["metadata"].is_object() && !index["metadata"].is_null())
        fail(indexPath, "\"metadata\" is not an object");
    std::map<std::string, std::string> shardOf;
    std::map<std::string, std::size_t> shards;
    for (const auto& [name, shard] : index["weight_map"].items()) {
        if (!shard.is_string()) fail(indexPath, "weight_map entry " + quote(name) + " is not a file name");
        const std::string file = shard.get<std::string>();
        if (!isPlainFileName(file))
            fail(indexPath, "weight_map entry " + quote(name) + " names shard " + quote(file) +
                                ", which is not a plain file name inside the directory");
        shardOf.emplace(name, file);
        shards.emplace(file, 0);
    }
    if (shardOf.empty()) fail(indexPath, "weight_map lists no tensors");
    for (auto& [file, slot] : shards) {
        slot = checkpoint.mFiles.size();
        checkpoint.mFiles.push_back(SafetensorsFile::open(dirOrFile + "/" + file, limits));
        for (const TensorInfo& t : checkpoint.mFiles.back().tensors()) {
            auto it = shardOf.find(t.name);
            if (it == shardOf.end())
                fail(indexPath, "shard " + quote(file) + " holds tensor " + quote(t.name) +
                                    ", which the weight_map does not list");
            if (it->second != file)
                fail(indexPath, "shard " + quote(file) + " holds tensor " + quote(t.name) +
                                    ", which the weight_map assigns to " + quote(it->second));
            checkpoint.mIndex.emplace(t.name, slot);
        }
    }
    for (const auto& [name, file] : shardOf) {
        if (!checkpoint.mIndex.count(name))
            fail(indexPath, "weight_map assigns tensor " + quote(name) + " to shard " + quote(file) +
                                ", which does not hold it");
    }
    return checkpoint;
}

std::vector<std::string> SafetensorsCheckpoint::names() const
{
    std::vector<std::string> result;
    for (const auto& [name, file] : mIndex) result.push_back(name);
    return result;
}

std::pair<const SafetensorsFile*, const TensorInfo*> SafetensorsCheckpoint::find(const std::string& name) const
{
    auto it = mIndex.find(name);
    if (it == mIndex.end()) return {nullptr, nullptr};
    const SafetensorsFile& file = mFiles[it->second];
    return {&file, file.find(name)};
}

namespace {

bool writeAll(int fd, const void* data, std::uint64_t size)
{
    const auto* p = static_cast<const std::uint8_t*>(data);
    while (size > 0) {
        const std::size_t chunk = static_cast<std::size_t>(std::min<std::uint64_t>(size, 1u << 30));
        const ssize_t n = ::write(fd, p, chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (n == 0) errno = EIO;
            return false;
        }
        p += n;
        size -= static_cast<std::uint64_t>(n);
    }
    return true;
}

std::string parentDirectory(const std::string& path)
{
    const auto slash = path.find_last_of('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

} // namespace

void writeSafetensors(const std::string& path, const std::vector<TensorView>& tensors,
                      const std::map<std::string, std::string>& metadata)
{
    std::vector<const TensorView*> order;
    for (const TensorView& t : tensors) order.push_back(&t);
    std::sort(order.begin(), order.end(), [](const TensorView* a, const TensorView* b) { return a->name < b->name; });

    std::string header = "{";
    std::vector<std::uint64_t> sizes;
    try {
        if (!metadata.empty()) {
            Json meta = Json::object();
            for (const auto& [key, value] : metadata) meta[key] = value;
            header += "\"__metadata__\":" + meta.dump();
        }
        std::uint64_t offset = 0;
        for (std::size_t i = 0; i < order.size(); ++i) {
            const TensorView& t = *order[i];
            if (t.name == "__metadata__") fail(path, "'__metadata__' cannot name a tensor");
            if (i > 0 && order[i - 1]->name == t.name) fail(path, "duplicate tensor name " + quote(t.name));
            std::uint64_t bytes = 0;
            if (!tensorBytes(t.shape, t.dtype, bytes))
                fail(path, "tensor " + quote(t.name) + " has an invalid shape " + shapeText(t.shape));
            if (bytes > 0 && !t.data) fail(path, "tensor " + quote(t.name) + " has no data");
            if (header.size() > 1) header += ",";
            header += Json(t.name).dump() + ":{\"dtype\":\"" + dtypeName(t.dtype) + "\",\"shape\":" +
                      Json(t.shape).dump() + ",\"data_offsets\":[" + std::to_string(offset) + "," +
                      std::to_string(offset + bytes) + "]}";
            offset += bytes;
            sizes.push_back(bytes);
        }
    } catch (const nlohmann::json::exception& e) {
        fail(path, std::string("cannot encode the header (") + e.what() + ")");
    }
    header += "}";
    // Padding with spaces keeps the data section 8-byte aligned, as the reference writer does.
    header.append((8 - header.size() % 8) % 8, ' ');
    std::uint8_t lengthBytes[8];
    for (int i = 0; i < 8; ++i)
        lengthBytes[i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(header.size()) >> (8 * i));

    static std::atomic<unsigned> counter{0};
    const std::string tmp = path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) fail(path, "cannot create " + tmp + " (" + errnoText(errno) + ")");
    bool ok = writeAll(fd, lengthBytes, 8) && writeAll(fd, header.data(), header.size());
    for (std::size_t i = 0; ok && i < order.size(); ++i) ok = writeAll(fd, order[i]->data, sizes[i]);
    ok = ok && ::fsync(fd) == 0;
    int error = ok ? 0 : errno;
    if (::close(fd) != 0 && ok) {
        ok = false;
        error = errno;
    }
    if (ok && ::rename(tmp.c_str(), path.c_str()) != 0) {
        ok = false;
        error = errno;
    }
    if (!ok) {
        ::unlink(tmp.c_str());
        fail(path, "cannot write (" + errnoText(error) + ")");
    }
    // The rename is durable only once the directory entry is synced.
    const int dirFd = ::open(parentDirectory(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirFd >= 0) {
        const bool synced = ::fsync(dirFd) == 0 || errno == EINVAL;
        error = errno;
        ::close(dirFd);
        if (!synced) fail(path, "written, but syncing its directory failed (" + errnoText(error) + ")");
    }
}

} // namespace kosmos
