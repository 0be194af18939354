// Safetensors: the fixtures, round trips of every dtype, sharded checkpoints, hostile files and failed writes.
#include "model/error.h"
#include "model/safetensors.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <random>

#include <sys/resource.h>
#include <unistd.h>

using namespace kosmos;

namespace {

const std::string kFixtureDir = KOSMOS_TEST_DATA_DIR "/kosmos2-tiny";

std::string lengthPrefixed(const std::string& header, const std::string& data, std::uint64_t length)
{
    std::string out(8, '\0');
    for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(length >> (8 * i));
    return out + header + data;
}

std::string fileBytes(const std::string& header, const std::string& data = {})
{
    return lengthPrefixed(header, data, header.size());
}

std::string entry(const std::string& name, const std::string& dtype, const std::string& shape,
                  const std::string& offsets)
{
    return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}";
}

void writeRaw(const std::string& path, const std::string& bytes)
{
    QFile file(QString::fromStdString(path));
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(file.write(bytes.data(), static_cast<qint64>(bytes.size())), static_cast<qint64>(bytes.size()));
}

std::string readRaw(const std::string& path)
{
    QFile file(QString::fromStdString(path));
    if (!file.open(QIODevice::ReadOnly)) return {};
    return file.readAll().toStdString();
}

template <typename Fn> std::string errorOf(Fn&& fn)
{
    try {
        fn();
    } catch (const Error& e) {
        return e.what();
    }
    return {};
}

// The statement after EXPECTED must throw a kosmos::Error whose message contains EXPECTED.
#define EXPECT_ERROR(expected, ...)                                                                        \
    do {                                                                                                  \
        const std::string message_ = errorOf([&] { __VA_ARGS__; });                                       \
        QVERIFY2(message_.find(expected) != std::string::npos, ("got '" + message_ + "'").c_str());       \
    } while (false)

// Checks every tensor of `file` against Qt's independent reading of the same header.
void compareWithQtJson(const SafetensorsFile& file)
{
    const std::string raw = readRaw(file.path());
    QVERIFY(raw.size() >= 8);
    std::uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<std::uint8_t>(raw[i]);
    const QJsonObject header = QJsonDocument::fromJson(QByteArray::fromStdString(raw.substr(8, n))).object();
    QCOMPARE(static_cast<qsizetype>(file.tensors().size()), header.size() - (header.contains("__metadata__") ? 1 : 0));
    for (const TensorInfo& t : file.tensors()) {
        const QJsonObject entry = header.value(QString::fromStdString(t.name)).toObject();
        QCOMPARE(QString::fromLatin1(dtypeName(t.dtype)), entry.value("dtype").toString());
        const QJsonArray shape = entry.value("shape").toArray();
        QCOMPARE(static_cast<qsizetype>(t.shape.size()), shape.size());
        for (int i = 0; i < shape.size(); ++i) QCOMPARE(t.shape[i], static_cast<std::int64_t>(shape[i].toDouble()));
        QCOMPARE(static_cast<double>(t.begin), entry.value("data_offsets").toArray()[0].toDouble());
        QCOMPARE(static_cast<double>(t.end), entry.value("data_offsets").toArray()[1].toDouble());
        QCOMPARE(t.nbytes(), static_cast<std::uint64_t>(t.numel()) * dtypeSize(t.dtype));
        QVERIFY(std::memcmp(file.data(t), raw.data() + 8 + n + t.begin, t.nbytes()) == 0);
    }
}

} // namespace

class TestSafetensors : public QObject {
    Q_OBJECT

private slots:
    void readsFixtureModel()
    {
        const SafetensorsFile file = SafetensorsFile::open(kFixtureDir + "/model.safetensors");
        QVERIFY(file.tensors().size() > 50);
        compareWithQtJson(file);
        const TensorInfo* embed = file.find("text_model.model.embed_tokens.weight");
        QVERIFY(embed);
        QCOMPARE(embed->dtype, DType::F32);
        QCOMPARE(embed->shape, (std::vector<std::int64_t>{2037, 64}));
        QCOMPARE(embed->nbytes(), std::uint64_t(2037 * 64 * 4));
        QVERIFY(!file.find("text_model.lm_head.weight"));  // tied, not saved
        QCOMPARE(file.metadata().at("format"), std::string("pt"));

        const SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint::open(kFixtureDir);
        const std::vector<std::string> names = checkpoint.names();
        QCOMPARE(names.size(), file.tensors().size());
        QVERIFY(std::is_sorted(names.begin(), names.end()));
        QCOMPARE(std::adjacent_find(names.begin(), names.end()), names.end());
        const auto [holder, info] = checkpoint.find("text_model.model.embed_tokens.weight");
        QVERIFY(holder && info);
        QVERIFY(std::memcmp(holder->data(*info), file.data(*embed), embed->nbytes()) == 0);
        QVERIFY(!checkpoint.find("nope").first);
    }

    void readsFixtureReferenceTensors()
    {
        const SafetensorsFile file = SafetensorsFile::open(kFixtureDir + "/reference_tensors.safetensors");
        compareWithQtJson(file);
        const TensorInfo* pixels = file.find("pixel_values/checker_224x224.png");
        QVERIFY(pixels);
        QCOMPARE(pixels->shape, (std::vector<std::int64_t>{1, 3, 224, 224}));
        // CLIP-normalised pixels are finite and within a few units of zero.
        const float* values = reinterpret_cast<const float*>(file.data(*pixels));
        for (std::int64_t i = 0; i < pixels->numel(); ++i)
            QVERIFY(std::isfinite(values[i]) && std::fabs(values[i]) < 4);
        // The mapping outlives the file object through keepAlive().
        std::shared_ptr<const void> alive;
        std::vector<float> copy(values, values + 16);
        {
            const SafetensorsFile again = SafetensorsFile::open(file.path());
            alive = again.keepAlive();
            values = reinterpret_cast<const float*>(again.data(*again.find(pixels->name)));
        }
        QVERIFY(std::memcmp(values, copy.data(), 16 * sizeof(float)) == 0);
    }

    void roundTripsEveryDtype()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("all.safetensors").toStdString();
        const std::vector<DType> dtypes = {DType::F64, DType::F32, DType::F16, DType::BF16, DType::I64,
                                           DType::I32, DType::I16, DType::I8,  DType::U8,   DType::Bool};
        std::mt19937 rng(7);
        std::vector<std::vector<std::uint8_t>> buffers;
        std::vector<TensorView> views;
        for (std::size_t i = 0; i < dtypes.size(); ++i) {
            TensorView v;
            v.name = std::string("t") + std::to_string(9 - i) + "." + dtypeName(dtypes[i]);
            v.dtype = dtypes[i];
            v.shape = {static_cast<std::int64_t>(i + 1), 3};
            buffers.emplace_back(static_cast<std::size_t>((i + 1) * 3) * dtypeSize(dtypes[i]));
            for (auto& b : buffers.back()) b = static_cast<std::uint8_t>(rng() & (dtypes[i] == DType::Bool ? 1 : 255));
            views.push_back(v);
        }
        views.push_back({"scalar", DType::F32, {}, nullptr});
        const float scalar = 2.5f;
        views.back().data = &scalar;
        views.push_back({"empty", DType::I64, {0, 5}, nullptr});
        for (std::size_t i = 0; i < dtypes.size(); ++i) views[i].data = buffers[i].data();
        const std::map<std::string, std::string> metadata = {{"format", "pt"}, {"note", "caf\xc3\xa9 \"quoted\"\n"}};

        writeRaw(path, "old contents");
        writeSafetensors(path, views, metadata);
        const SafetensorsFile file = SafetensorsFile::open(path);
        compareWithQtJson(file);
        QCOMPARE(file.metadata(), metadata);
        QCOMPARE(file.tensors().size(), views.size());
        for (const TensorView& v : views) {
            const TensorInfo* t = file.find(v.name);
            QVERIFY2(t, v.name.c_str());
            QCOMPARE(t->dtype, v.dtype);
            QCOMPARE(t->shape, v.shape);
            QCOMPARE(t->nbytes(), static_cast<std::uint64_t>(t->numel()) * dtypeSize(v.dtype));
            QVERIFY(t->nbytes() == 0 || std::memcmp(file.data(*t), v.data, t->nbytes()) == 0);
        }
        // Name order on disk, header padded to 8 bytes, data section aligned.
        for (std::size_t i = 1; i < file.tensors().size(); ++i) {
            QVERIFY(file.tensors()[i - 1].name < file.tensors()[i].name);
            QCOMPARE(file.tensors()[i - 1].end, file.tensors()[i].begin);
        }
        const std::string raw = readRaw(path);
        QCOMPARE(static_cast<std::uint8_t>(raw[0]) % 8, 0);
        QCOMPARE(reinterpret_cast<std::uintptr_t>(file.data(file.tensors()[0])) % 8, std::uintptr_t(0));
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{QStringLiteral("all.safetensors")});

        // Writing through the private mapping never reaches the file.
        const std::string onDisk = readRaw(path);
        auto* writable = const_cast<std::uint8_t*>(file.data(*file.find("t0.BOOL")));
        writable[0] = 0xee;
        QCOMPARE(readRaw(path), onDisk);
        QCOMPARE(SafetensorsFile::open(path).data(*file.find("t0.BOOL"))[0], buffers[9][0]);

        // No metadata: no "__metadata__" key at all.
        writeSafetensors(path, {views[0]});
        QVERIFY(readRaw(path).find("__metadata__") == std::string::npos);
        QVERIFY(SafetensorsFile::open(path).metadata().empty());
        // No tensors at all is a valid (if useless) file.
        writeSafetensors(path, {});
        QCOMPARE(readRaw(path).size(), std::size_t(16));
        QVERIFY(SafetensorsFile::open(path).tensors().empty());
    }

    void opensShardedCheckpoint()
    {
        // The checkpoint sits one level down, so that the index's "../x" stays inside the temporary folder.
        QTemporaryDir parent;
        QVERIFY(parent.isValid() && QDir(parent.path()).mkdir(QStringLiteral("checkpoint")));
        const QDir dir(parent.filePath(QStringLiteral("checkpoint")));
        const std::string root = dir.path().toStdString();
        const std::vector<float> a = {1, 2, 3, 4}, b = {5, 6}, c = {7};
        writeSafetensors(root + "/model-00001-of-00002.safetensors",
                         {{"layer.0.w", DType::F32, {2, 2}, a.data()}, {"layer.0.b", DType::F32, {2}, b.data()}});
        writeSafetensors(root + "/model-00002-of-00002.safetensors", {{"layer.1.w", DType::F32, {1}, c.data()}});
        const auto writeIndex = [&](const QJsonObject& weightMap) {
            QJsonObject index{{"metadata", QJsonObject{{"total_size", 28}}}, {"weight_map", weightMap}};
            writeRaw(root + "/model.safetensors.index.json", QJsonDocument(index).toJson().toStdString());
        };
        QJsonObject weightMap{{"layer.0.w", "model-00001-of-00002.safetensors"},
                              {"layer.0.b", "model-00001-of-00002.safetensors"},
                              {"layer.1.w", "model-00002-of-00002.safetensors"}};
        writeIndex(weightMap);
        const SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint::open(root);
        QCOMPARE(checkpoint.files().size(), std::size_t(2));
        QCOMPARE(checkpoint.names(), (std::vector<std::string>{"layer.0.b", "layer.0.w", "layer.1.w"}));
        const auto [file, info] = checkpoint.find("layer.1.w");
        QVERIFY(file && info);
        QVERIFY(QString::fromStdString(file->path()).endsWith("model-00002-of-00002.safetensors"));
        QCOMPARE(*reinterpret_cast<const float*>(file->data(*info)), 7.0f);
        const auto [file0, info0] = checkpoint.find("layer.0.w");
        QCOMPARE(reinterpret_cast<const float*>(file0->data(*info0))[3], 4.0f);
        // A file path opens just that file.
        const std::string shard2 = root + "/model-00002-of-00002.safetensors";
        QCOMPARE(SafetensorsCheckpoint::open(shard2).names(), std::vector<std::string>{"layer.1.w"});

        const std::string indexPath = root + "/model.safetensors.index.json";
        const auto expectIndexError = [&](const QJsonObject& map, const std::string& expected) {
            writeIndex(map);
            const std::string message = errorOf([&] { SafetensorsCheckpoint::open(root); });
            QVERIFY2(message.find(expected) != std::string::npos, message.c_str());
            QVERIFY2(message.rfind(root, 0) == 0, message.c_str());
        };
        writeRaw(dir.filePath("../x").toStdString(), readRaw(shard2));
        QJsonObject escape = weightMap;
        escape["layer.1.w"] = "../x";
        expectIndexError(escape, "names shard '../x', which is not a plain file name");
        QFile::remove(dir.filePath("../x"));
        QJsonObject missing = weightMap;
        missing["layer.1.w"] = "model-00003.safetensors";
        expectIndexError(missing, root + "/model-00003.safetensors: cannot open (No such file or directory)");
        QJsonObject unlisted = weightMap;
        unlisted.remove("layer.0.b");
        expectIndexError(unlisted, "holds tensor 'layer.0.b', which the weight_map does not list");
        QJsonObject wrongShard = weightMap;
        wrongShard["layer.0.b"] = "model-00002-of-00002.safetensors";
        expectIndexError(wrongShard, "which the weight_map assigns to 'model-00002-of-00002.safetensors'");
        QJsonObject absent = weightMap;
        absent["layer.2.w"] = "model-00002-of-00002.safetensors";
        expectIndexError(absent, "tensor 'layer.2.w' to shard 'model-00002-of-00002.safetensors', which does not");
        expectIndexError({}, "weight_map lists no tensors");

        writeRaw(indexPath, R"({"weight_map": {"a": "model-00002-of-00002.safetensors", "a": "x"}})");
        EXPECT_ERROR(indexPath + ": duplicate key 'a'", SafetensorsCheckpoint::open(root));
        writeRaw(indexPath, R"({"weight_map": )");
        EXPECT_ERROR(indexPath + ": is not valid JSON", SafetensorsCheckpoint::open(root));
        writeRaw(indexPath, R"({"metadata": {}})");
        EXPECT_ERROR(indexPath + ": has no \"weight_map\" object", SafetensorsCheckpoint::open(root));
        QFile::remove(QString::fromStdString(indexPath));
        EXPECT_ERROR(root + ": holds neither model.safetensors nor", SafetensorsCheckpoint::open(root));
    }

    void rejectsHostileFiles_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("expected");
        const auto add = [](const char* name, const std::string& bytes, const char* expected) {
            QTest::newRow(name) << QByteArray::fromStdString(bytes) << QString::fromUtf8(expected);
        };
        const auto one = [](const std::string& dtype, const std::string& shape, const std::string& offsets) {
            return "{" + entry("x", dtype, shape, offsets) + "}";
        };
        const std::string f32x4 = entry("x", "F32", "[2,2]", "[0,16]");
        const std::string data16(16, '\1');
        add("empty file", "", "file is 0 bytes, too short for a safetensors header");
        add("7 bytes", std::string(7, '\0'), "file is 7 bytes");
        add("header longer than file", lengthPrefixed("{}", "", 100),
            "header length 100 is larger than the file (10 bytes)");
        add("header length 2^63", lengthPrefixed("{}", "", 1ull << 63),
            "header length 9223372036854775808 exceeds the limit");
        add("header not JSON", fileBytes("hello"), "header is not valid JSON");
        add("truncated JSON", fileBytes("{\"a\":"), "header is not valid JSON");
        add("invalid UTF-8", fileBytes("{\"\xff\":{}}"), "header is not valid JSON");
        add("JSON array", fileBytes("[]"), "header is not a JSON object");
        add("JSON number", fileBytes("5"), "header is not a JSON object");
        add("JSON null", fileBytes("null"), "header is not a JSON object");
        add("deep array", fileBytes(std::string(100000, '[')), "header is not a JSON object");
        add("unknown dtype", fileBytes(one("F33", "[1]", "[0,4]"), "1234"), "tensor 'x' has unknown dtype 'F33'");
        add("newline in name", fileBytes("{" + entry("a\\nb", "X", "[1]", "[0,4]") + "}", "1234"),
            "tensor 'a?b' has unknown dtype 'X'");
        add("huge dtype", fileBytes(one(std::string(100000, 'A'), "[1]", "[0,4]"), "1234"), "has unknown dtype 'AAAA");
        add("negative shape", fileBytes(one("F32", "[-1]", "[0,0]")),
            "tensor 'x' shape holds a value that is not a non-negative integer");
        add("float shape", fileBytes(one("F32", "[2.0]", "[0,8]"), "12345678"),
            "tensor 'x' shape holds a value that is not a non-negative integer");
        add("shape not array", fileBytes(one("F32", "4", "[0,16]"), data16), "tensor 'x' shape is not an array");
        add("rank 9", fileBytes(one("U8", "[1,1,1,1,1,1,1,1,1]", "[0,1]"), "1"),
            "tensor 'x' has more than 8 dimensions");
        add("offsets mismatch", fileBytes(one("F32", "[2,2]", "[0,12]"), data16.substr(0, 12)),
            "tensor 'x' data_offsets [0, 12] do not match shape [2, 2] of F32 (16 bytes)");
        add("offsets reversed", fileBytes(one("U8", "[0]", "[8,4]"), "12345678"),
            "data_offsets [8, 4] end before they begin");
        add("three offsets", fileBytes(one("U8", "[1]", "[0,1,2]"), "1"),
            "data_offsets is not a pair of non-negative integers");
        add("offsets out of file", fileBytes(one("F32", "[2,2]", "[1000,1016]"), data16),
            "tensor 'x' data_offsets [1000, 1016] lie outside the data section (16 bytes)");
        add("truncated data section", fileBytes("{" + f32x4 + "}", data16.substr(0, 10)),
            "data_offsets [0, 16] lie outside the data section (10 bytes)");
        add("overlapping tensors",
            fileBytes("{" + entry("a", "F32", "[2]", "[0,8]") + "," + entry("b", "F32", "[2]", "[4,12]") + "}",
                      data16.substr(0, 12)),
            "tensor 'b' data_offsets [4, 12] overlap tensor 'a' [0, 8]");
        add("gap in data",
            fileBytes("{" + entry("a", "F32", "[1]", "[0,4]") + "," + entry("b", "F32", "[1]", "[8,12]") + "}",
                      data16.substr(0, 12)),
            "gap of 4 bytes in the data section before tensor 'b'");
        add("trailing bytes", fileBytes("{" + f32x4 + "}", data16 + "xx"), "2 trailing bytes after the last tensor");
        add("numel overflow", fileBytes(one("F32", "[1099511627776,1099511627776]", "[0,0]")),
            "shape [1099511627776, 1099511627776] is too large");
        add("bytes overflow", fileBytes(one("F64", "[4611686018427387904]", "[0,0]")), "is too large");
        add("duplicate key", fileBytes("{" + f32x4 + "," + f32x4 + "}", data16), "duplicate key 'x' in the header");
        add("duplicate metadata", fileBytes(R"({"__metadata__":{},"__metadata__":{}})"),
            "duplicate key '__metadata__'");
        add("metadata not strings", fileBytes(R"({"__metadata__":{"a":1}})"),
            "__metadata__ value of 'a' is not a string");
        add("extra field", fileBytes(R"({"x":{"dtype":"F32","shape":[0],"data_offsets":[0,0],"offset":0}})"),
            "tensor 'x' has unexpected field 'offset'");
        add("missing field", fileBytes(R"({"x":{"dtype":"F32","shape":[0]}})"), "tensor 'x' lacks 'data_offsets'");
        add("repeated field", fileBytes(R"({"x":{"dtype":"F32","dtype":"F32"}})"), "tensor 'x' repeats field 'dtype'");
        add("entry not object", fileBytes(R"({"x":[1]})"), "tensor 'x' is not an object");
    }

    void rejectsHostileFiles()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, expected);
        QTemporaryDir dir;
        const std::string path = dir.filePath("bad.safetensors").toStdString();
        writeRaw(path, bytes.toStdString());
        const std::string message = errorOf([&] { SafetensorsFile::open(path); });
        QVERIFY2(message.rfind(path + ": ", 0) == 0, message.c_str());
        QVERIFY2(message.find(expected.toStdString()) != std::string::npos, message.c_str());
        QVERIFY2(message.find('\n') == std::string::npos && message.size() < 600, message.c_str());
    }

    void rejectsNonFiles()
    {
        QTemporaryDir dir;
        const std::string root = dir.path().toStdString();
        QCOMPARE(errorOf([&] { SafetensorsFile::open(root); }), root + ": not a regular file");
        QCOMPARE(errorOf([&] { SafetensorsFile::open(root + "/none"); }),
                 root + "/none: cannot open (No such file or directory)");
    }

    void rejectsInvalidTensorsOnWrite()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("w.safetensors").toStdString();
        const float v[2] = {1, 2};
        EXPECT_ERROR(path + ": duplicate tensor name 'a'",
                     writeSafetensors(path, {{"a", DType::F32, {1}, v}, {"a", DType::F32, {1}, v}}));
        EXPECT_ERROR(path + ": tensor 'a' has an invalid shape [-2]",
                     writeSafetensors(path, {{"a", DType::F32, {-2}, v}}));
        EXPECT_ERROR(path + ": tensor 'a' has no data", writeSafetensors(path, {{"a", DType::F32, {2}, nullptr}}));
        EXPECT_ERROR("cannot name a tensor", writeSafetensors(path, {{"__metadata__", DType::F32, {2}, v}}));
        EXPECT_ERROR(path + ": cannot encode the header", writeSafetensors(path, {{"\xff", DType::F32, {2}, v}}));
        QVERIFY(!QFile::exists(QString::fromStdString(path)));
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), 0);
    }

    void failedWriteKeepsOldFile()
    {
        QTemporaryDir dir;
        const std::string root = dir.path().toStdString();
        const std::string path = root + "/keep.safetensors";
        const std::vector<float> small = {1, 2, 3};
        writeSafetensors(path, {{"small", DType::F32, {3}, small.data()}});
        const std::string before = readRaw(path);

        // A file-size limit makes write() fail with EFBIG part-way, as a full disk would.
        const std::vector<std::uint8_t> big(1 << 20, 0x5a);
        struct rlimit old {};
        QVERIFY(::getrlimit(RLIMIT_FSIZE, &old) == 0);
        const auto previousHandler = std::signal(SIGXFSZ, SIG_IGN);
        struct rlimit limited = old;
        limited.rlim_cur = 64 * 1024;
        QVERIFY(::setrlimit(RLIMIT_FSIZE, &limited) == 0);
        const TensorView bigView{"big", DType::U8, {1 << 20}, big.data()};
        const std::string message = errorOf([&] { writeSafetensors(path, {bigView}); });
        ::setrlimit(RLIMIT_FSIZE, &old);
        std::signal(SIGXFSZ, previousHandler);
        QCOMPARE(message, path + ": cannot write (" + std::strerror(EFBIG) + ")");
        QCOMPARE(readRaw(path), before);
        const QStringList onlyOldFile{QStringLiteral("keep.safetensors")};
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden), onlyOldFile);

        // Unwritable places: a missing directory, a path under a regular file, a read-only directory.
        const std::string missingDir = root + "/no/such/dir/x.safetensors";
        EXPECT_ERROR(missingDir + ": cannot create " + missingDir + ".tmp-", writeSafetensors(missingDir, {}));
        EXPECT_ERROR(std::strerror(ENOTDIR), writeSafetensors(path + "/x.safetensors", {}));
        // The target being a directory makes the final rename fail: the temp file must go.
        QVERIFY(QDir(dir.path()).mkdir("target"));
        EXPECT_ERROR(root + "/target: cannot write (" + std::strerror(EISDIR) + ")",
                     writeSafetensors(root + "/target", {}));
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden), onlyOldFile);
        if (::geteuid() != 0) {
            QVERIFY(QDir(dir.path()).mkdir("ro"));
            QFile::setPermissions(QString::fromStdString(root + "/ro"), QFile::ReadOwner | QFile::ExeOwner);
            EXPECT_ERROR(std::strerror(EACCES), writeSafetensors(root + "/ro/x.safetensors", {}));
        }
    }
};

QTEST_GUILESS_MAIN(TestSafetensors)
#include "test_safetensors.moc"
