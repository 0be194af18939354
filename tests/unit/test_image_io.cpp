// Image files (bounded decoding, atomic PNG writing) and drawing grounding results.
#include "core/media/crc32.h"
#include "core/media/image_io.h"
#include "core/media/render.h"
#include "model/error.h"
#include "stderr_capture.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <QDir>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <unistd.h>

using namespace kosmos;
using kosmos::test::stderrDuring;

namespace {

ImageU8 patternImage(int width, int height, int channels)
{
    ImageU8 image;
    image.width = width;
    image.height = height;
    image.channels = channels;
    image.pixels.resize(static_cast<std::size_t>(width) * height * channels);
    for (std::size_t i = 0; i < image.pixels.size(); ++i)
        image.pixels[i] = static_cast<std::uint8_t>((i * 131 + i / 7) % 256);
    return image;
}

ImageU8 blackImage(int width, int height)
{
    ImageU8 image;
    image.width = width;
    image.height = height;
    image.channels = 3;
    image.pixels.assign(static_cast<std::size_t>(width) * height * 3, 0);
    return image;
}

std::array<std::uint8_t, 3> pixelAt(const ImageU8& image, int x, int y)
{
    const std::uint8_t* p = &image.pixels[(static_cast<std::size_t>(y) * image.width + x) * 3];
    return {p[0], p[1], p[2]};
}

std::vector<std::uint8_t> encodeWithOpenCv(const cv::Mat& mat, const char* ext)
{
    std::vector<std::uint8_t> bytes;
    if (!cv::imencode(ext, mat, bytes))
        qFatal("cannot encode %s", ext);
    return bytes;
}

// Expects a kosmos::Error whose message contains `part`.
template <typename F>
void expectError(F&& f, const QString& part)
{
    try {
        f();
    } catch (const Error& e) {
        const QString message = QString::fromStdString(e.what());
        QVERIFY2(message.contains(part), qPrintable(message));
        return;
    }
    QFAIL(qPrintable(QStringLiteral("no error, expected '%1'").arg(part)));
}

void writeFile(const QString& path, const std::vector<std::uint8_t>& bytes)
{
    std::ofstream out(path.toStdString(), std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}


// Expects loading `bytes` to fail with a message containing `part`, and no decoder's own line on stderr.
void expectQuietError(const std::vector<std::uint8_t>& bytes, const char* name, const QString& part)
{
    const std::string noise = stderrDuring([&] { expectError([&] { loadImageBytes(bytes, name); }, part); });
    QVERIFY2(noise.empty(), noise.c_str());
}

std::vector<std::uint8_t> cutTo(const std::vector<std::uint8_t>& bytes, std::size_t keep)
{
    return std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(keep));
}

} // namespace

class TestImageIo : public QObject {
    Q_OBJECT

private slots:
    void pngRoundTrip_data();
    void pngRoundTrip();
    void saveLeavesNoTemporaryFile();
    void saveToMissingDirectoryFails();
    void fixtureImageDecodesAsRgb();
    void otherFormatsAreProbedAndDecoded();
    void sixteenBitIsReducedToEightBits();
    void truncatedPngIsRejected();
    void truncatedJpegIsRejected();
    void damagedPngChunkIsNamed();
    void truncatedBmpAndPnmAreNamed();
    void plainTextPnmIsCheckedSampleBySample();
    void notAnImageIsRejected();
    void zeroBytesAreRejected();
    void missingFileIsRejected();
    void hugeDeclaredDimensionsAreRejectedBeforeDecoding();
    void pixelLimitApplies();
    void renderOutlinesBoxesAndLeavesTheRest();
    void renderGivesEntitiesDistinctColours();
    void renderSurvivesHostileBoxes();
};

void TestImageIo::pngRoundTrip_data()
{
    QTest::addColumn<int>("channels");
    QTest::newRow("grey") << 1;
    QTest::newRow("rgb") << 3;
    QTest::newRow("rgba") << 4;
}

void TestImageIo::pngRoundTrip()
{
    QFETCH(int, channels);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = dir.filePath(QStringLiteral("out.png")).toStdString();
    const ImageU8 image = patternImage(13, 7, channels);
    saveImagePng(path, image);
    const ImageU8 back = loadImageFile(path);
    QCOMPARE(back.width, 13);
    QCOMPARE(back.height, 7);
    QCOMPARE(back.channels, channels);
    QCOMPARE(back.pixels, image.pixels);
    // Overwriting replaces the old file.
    const ImageU8 other = patternImage(3, 2, channels);
    saveImagePng(path, other);
    QCOMPARE(loadImageFile(path).pixels, other.pixels);
}

void TestImageIo::saveLeavesNoTemporaryFile()
{
    QTemporaryDir dir;
    saveImagePng(dir.filePath(QStringLiteral("a.png")).toStdString(), patternImage(4, 4, 3));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{QStringLiteral("a.png")});
}

void TestImageIo::saveToMissingDirectoryFails()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("no/such/dir/a.png"));
    expectError([&] { saveImagePng(path.toStdString(), patternImage(4, 4, 3)); }, path);
    ImageU8 bad = patternImage(4, 4, 3);
    bad.pixels.pop_back();
    expectError([&] { saveImagePng(dir.filePath(QStringLiteral("b.png")).toStdString(), bad); },
                QStringLiteral("expected"));
    QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("b.png"))));
}

void TestImageIo::fixtureImageDecodesAsRgb()
{
    const ImageU8 image = loadImageFile(KOSMOS_TEST_DATA_DIR "/kosmos2-tiny/images/gradient_640x480.png");
    QCOMPARE(image.width, 640);
    QCOMPARE(image.height, 480);
    QCOMPARE(image.channels, 3);
    // OpenCV decodes BGR: the file's first pixel read by hand through OpenCV must come back as RGB.
    const cv::Mat bgr = cv::imread(KOSMOS_TEST_DATA_DIR "/kosmos2-tiny/images/gradient_640x480.png");
    const cv::Vec3b p = bgr.at<cv::Vec3b>(100, 300);
    const auto q = pixelAt(image, 300, 100);
    QCOMPARE(q[0], p[2]);
    QCOMPARE(q[1], p[1]);
    QCOMPARE(q[2], p[0]);
}

void TestImageIo::otherFormatsAreProbedAndDecoded()
{
    cv::Mat mat(21, 34, CV_8UC3);
    cv::randu(mat, cv::Scalar::all(0), cv::Scalar::all(255));
    const struct {
        const char* ext;
        const char* format;
        bool lossless;
    } cases[] = {{".bmp", "bmp", true}, {".ppm", "pnm", true}, {".tiff", "tiff", true},
                 {".webp", "webp", false}, {".jpg", "jpeg", false}, {".png", "png", true}};
    for (const auto& c : cases) {
        const std::vector<std::uint8_t> bytes = encodeWithOpenCv(mat, c.ext);
        const ImageHeader header = probeImageBytes(bytes.data(), bytes.size(), c.ext);
        QCOMPARE(QString::fromStdString(header.format), QString::fromLatin1(c.format));
        QCOMPARE(header.width, 34);
        QCOMPARE(header.height, 21);
        const ImageU8 image = loadImageBytes(bytes, c.ext);
        QCOMPARE(image.width, 34);
        QCOMPARE(image.height, 21);
        QCOMPARE(image.channels, 3);
        if (c.lossless) {
            const cv::Vec3b p = mat.at<cv::Vec3b>(5, 7);
            QCOMPARE(pixelAt(image, 7, 5), (std::array<std::uint8_t, 3>{p[2], p[1], p[0]}));
        }
    }
}

void TestImageIo::sixteenBitIsReducedToEightBits()
{
    cv::Mat mat(2, 3, CV_16UC1);
    const std::uint16_t values[] = {0, 255, 256, 4660, 65280, 65535};
    for (int i = 0; i < 6; ++i)
        mat.at<std::uint16_t>(i / 3, i % 3) = values[i];
    const ImageU8 image = loadImageBytes(encodeWithOpenCv(mat, ".png"), "grey16.png");
    QCOMPARE(image.channels, 1);
    QCOMPARE(image.pixels, (std::vector<std::uint8_t>{0, 0, 1, 18, 255, 255}));
}

void TestImageIo::truncatedPngIsRejected()
{
    const std::vector<std::uint8_t> full = encodeImagePng(patternImage(64, 64, 3));
    for (std::size_t keep : {full.size() / 2, full.size() - 13, std::size_t(30), std::size_t(20)}) {
        const std::vector<std::uint8_t> cut(full.begin(), full.begin() + keep);
        expectError([&] { loadImageBytes(cut, "cut.png"); }, QStringLiteral("cut.png: truncated"));
    }
}

void TestImageIo::truncatedJpegIsRejected()
{
    cv::Mat mat(64, 64, CV_8UC3);
    cv::randu(mat, cv::Scalar::all(0), cv::Scalar::all(255));
    const std::vector<std::uint8_t> full = encodeWithOpenCv(mat, ".jpg");
    QCOMPARE(loadImageBytes(full, "full.jpg").width, 64);
    for (std::size_t keep : {full.size() - 2, full.size() / 2, std::size_t(10)}) {
        const std::vector<std::uint8_t> cut(full.begin(), full.begin() + keep);
        expectError([&] { loadImageBytes(cut, "cut.jpg"); }, QStringLiteral("cut.jpg: truncated"));
    }
}

void TestImageIo::damagedPngChunkIsNamed()
{
    // The check value of CRC-32, and every length around the eight-byte steps against a bit-by-bit sum.
    const std::string check = "123456789";
    QCOMPARE(crc32(reinterpret_cast<const std::uint8_t*>(check.data()), check.size()), 0xCBF43926u);
    std::vector<std::uint8_t> bytes(40);
    for (std::size_t i = 0; i < bytes.size(); ++i)
        bytes[i] = static_cast<std::uint8_t>(i * 37 + 11);
    for (std::size_t n = 0; n <= bytes.size(); ++n) {
        std::uint32_t bitwise = 0xFFFFFFFFu;
        for (std::size_t i = 0; i < n; ++i) {
            bitwise ^= bytes[i];
            for (int k = 0; k < 8; ++k)
                bitwise = (bitwise >> 1) ^ (0xEDB88320u & (0u - (bitwise & 1u)));
        }
        QCOMPARE(crc32(bytes.data(), n), ~bitwise);
    }

    std::vector<std::uint8_t> png = encodeImagePng(patternImage(64, 64, 3));
    const std::size_t idat = 8 + 25;   // signature, then IHDR (13 bytes of data)
    QCOMPARE(std::string(png.begin() + idat + 4, png.begin() + idat + 8), std::string("IDAT"));
    std::vector<std::uint8_t> flipped = png;
    flipped[idat + 20] ^= 0x10;
    expectQuietError(flipped, "flip.png",
                     QStringLiteral("flip.png: corrupt (PNG chunk 'IDAT' at byte 33 does not match its checksum)"));
    flipped = png;
    flipped[idat + 5] = '#';
    expectQuietError(flipped, "type.png", QStringLiteral("type.png: corrupt (PNG chunk at byte 33 has no valid type)"));
    flipped = png;
    flipped[idat + 4] = 'J';   // "JDAT": a critical chunk libpng does not know
    expectQuietError(flipped, "critical.png",
                     QStringLiteral("critical.png: corrupt (unknown critical PNG chunk 'JDAT' at byte 33)"));
    // Bytes after IEND are ignored, as the decoder ignores them.
    std::vector<std::uint8_t> trailing = png;
    trailing.insert(trailing.end(), 100, 0x5A);
    QCOMPARE(loadImageBytes(trailing, "trailing.png").pixels, loadImageBytes(png, "plain.png").pixels);
    // Damaged text chunks are left out, as the decoder would leave them out (with a warning on stderr).
    const std::uint8_t text[] = {0, 0, 0, 4, 't', 'E', 'X', 't', 'a', 0, 'b', 'c', 0xDE, 0xAD, 0xBE, 0xEF};
    png.insert(png.begin() + idat, std::begin(text), std::end(text));
    png.insert(png.begin() + idat, std::begin(text), std::end(text));
    const std::string noise = stderrDuring([&] { QCOMPARE(loadImageBytes(png, "text.png").width, 64); });
    QVERIFY2(noise.empty(), noise.c_str());
}

void TestImageIo::truncatedBmpAndPnmAreNamed()
{
    cv::Mat mat(30, 41, CV_8UC3);
    cv::randu(mat, cv::Scalar::all(0), cv::Scalar::all(255));
    const std::vector<std::uint8_t> bmp = encodeWithOpenCv(mat, ".bmp");
    QCOMPARE(loadImageBytes(bmp, "full.bmp").width, 41);
    expectQuietError(cutTo(bmp, bmp.size() - 1), "cut.bmp",
                     QStringLiteral("cut.bmp: truncated (BMP rows end at byte %1; the file has %2 bytes)")
                         .arg(bmp.size()).arg(bmp.size() - 1));
    std::vector<std::uint8_t> noBits = bmp;
    noBits[28] = noBits[29] = 0;   // bits per pixel: rows of no bytes would always fit
    expectQuietError(noBits, "zero.bmp", QStringLiteral("zero.bmp: not an image (BMP with 0 bits per pixel)"));
    const std::vector<std::uint8_t> ppm = encodeWithOpenCv(mat, ".ppm");   // P6, 8-bit
    QCOMPARE(loadImageBytes(ppm, "full.ppm").width, 41);
    const std::size_t header = ppm.size() - 41 * 30 * 3;
    expectQuietError(cutTo(ppm, ppm.size() / 2), "cut.ppm",
                     QStringLiteral("cut.ppm: truncated (PNM samples need 3690 bytes from byte %1").arg(header));
    cv::Mat grey16(5, 7, CV_16UC1, cv::Scalar(40000));
    const std::vector<std::uint8_t> pgm = encodeWithOpenCv(grey16, ".pgm");   // P5, two bytes a sample
    QCOMPARE(loadImageBytes(pgm, "full.pgm").pixels.front(), std::uint8_t(40000 >> 8));
    expectQuietError(cutTo(pgm, pgm.size() - 1), "cut.pgm", QStringLiteral("cut.pgm: truncated (PNM samples need 70"));
    cv::Mat bits(9, 10, CV_8UC1, cv::Scalar(255));
    const std::vector<std::uint8_t> pbm = encodeWithOpenCv(bits, ".pbm");   // P4, rows of 2 bytes
    QCOMPARE(loadImageBytes(pbm, "full.pbm").height, 9);
    expectQuietError(cutTo(pbm, pbm.size() - 1), "cut.pbm", QStringLiteral("cut.pbm: truncated (PNM samples need 18"));
}

void TestImageIo::plainTextPnmIsCheckedSampleBySample()
{
    const auto bytesOf = [](const std::string& text) { return std::vector<std::uint8_t>(text.begin(), text.end()); };
    // Comments, any spacing, numbers above the maximum (clipped by the decoder), bitmap digits side by side.
    const ImageU8 grey = loadImageBytes(bytesOf("P2\n# made by hand\n3 2\n255\n0 7\t300\n# end\n1 2 3\n"), "a.pgm");
    QCOMPARE(grey.pixels, (std::vector<std::uint8_t>{0, 7, 255, 1, 2, 3}));
    QCOMPARE(loadImageBytes(bytesOf("P1\n4 1\n0110\n"), "a.pbm").pixels,
             (std::vector<std::uint8_t>{255, 0, 0, 255}));
    QCOMPARE(loadImageBytes(bytesOf("P3 1 1 255 9 8 7\n"), "a.ppm").pixels, (std::vector<std::uint8_t>{9, 8, 7}));
    expectQuietError(bytesOf("P2\n3 2\n255\n0 7 9\n1 2\n"), "short.pgm",
                     QStringLiteral("short.pgm: truncated (PNM holds 5 of its 6 samples)"));
    expectQuietError(bytesOf("P2\n3 2\n255\n0 7 9\n1 2 3"), "cut.pgm",
                     QStringLiteral("cut.pgm: truncated (PNM ends right after its last sample"));
    expectQuietError(bytesOf("P3\n1 2\n255\n1 2 3\n4 x 6\n"), "bad.ppm",
                     QStringLiteral("bad.ppm: corrupt (PNM sample 5 at byte 19 begins with 0x78, not a digit)"));
    expectQuietError(bytesOf("P2\n1 1\n70000\n5\n"), "deep.pgm",
                     QStringLiteral("deep.pgm: not an image (PNM maximum sample value 70000 outside 1-65535)"));
}

void TestImageIo::notAnImageIsRejected()
{
    const std::string text = "name,caption\nsnowman,a snowman by a fire\n";
    expectError([&] { loadImageBytes(text.data(), text.size(), "notes.csv"); },
                QStringLiteral("notes.csv: not an image"));
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("fake.png"));
    writeFile(path, std::vector<std::uint8_t>(text.begin(), text.end()));
    expectError([&] { loadImageFile(path.toStdString()); }, path + QStringLiteral(": not an image"));
    // A PNG signature followed by garbage.
    std::vector<std::uint8_t> garbage = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    garbage.resize(64, 0x5A);
    expectError([&] { loadImageBytes(garbage, "garbage.png"); }, QStringLiteral("garbage.png: not an image"));
}

void TestImageIo::zeroBytesAreRejected()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("empty.png"));
    writeFile(path, {});
    expectError([&] { loadImageFile(path.toStdString()); }, path + QStringLiteral(": not an image (empty file)"));
    expectError([&] { loadImageBytes(nullptr, 0, "mem"); }, QStringLiteral("mem: not an image"));
}

void TestImageIo::missingFileIsRejected()
{
    expectError([&] { loadImageFile("/nonexistent/dir/x.png"); },
                QStringLiteral("/nonexistent/dir/x.png: cannot read"));
    QTemporaryDir dir;
    expectError([&] { loadImageFile(dir.path().toStdString()); }, QStringLiteral("not a regular file"));
}

void TestImageIo::hugeDeclaredDimensionsAreRejectedBeforeDecoding()
{
    // A valid 1x1 PNG whose IHDR then claims 100000 x 100000: the header is read, the decoder never runs
    // (it would reject the image with a different message, or try to allocate 30 GB).
    std::vector<std::uint8_t> png = encodeImagePng(patternImage(1, 1, 3));
    const std::uint8_t huge[] = {0x00, 0x01, 0x86, 0xA0};
    std::copy(huge, huge + 4, png.begin() + 16);
    std::copy(huge, huge + 4, png.begin() + 20);
    expectError([&] { loadImageBytes(png, "bomb.png"); },
                QStringLiteral("bomb.png: too large (100000 x 100000 > 67108864 pixels)"));

    cv::Mat mat(8, 8, CV_8UC3, cv::Scalar(1, 2, 3));
    std::vector<std::uint8_t> jpeg = encodeWithOpenCv(mat, ".jpg");
    bool patched = false;
    for (std::size_t i = 2; i + 9 < jpeg.size(); ++i)
        if (jpeg[i] == 0xFF && jpeg[i + 1] == 0xC0) {
            jpeg[i + 5] = jpeg[i + 6] = jpeg[i + 7] = jpeg[i + 8] = 0xFF;
            patched = true;
            break;
        }
    QVERIFY(patched);
    expectError([&] { loadImageBytes(jpeg, "bomb.jpg"); },
                QStringLiteral("bomb.jpg: too large (65535 x 65535 > 67108864 pixels)"));

    const ImageHeader header = probeImageBytes(png.data(), png.size(), "bomb.png");
    QCOMPARE(header.width, 100000);
}

void TestImageIo::pixelLimitApplies()
{
    const std::vector<std::uint8_t> png = encodeImagePng(patternImage(64, 64, 3));
    ImageLoadLimits limits;
    limits.maxPixels = 1000;
    expectError([&] { loadImageBytes(png, "x.png", limits); },
                QStringLiteral("x.png: too large (64 x 64 > 1000 pixels)"));
    limits.maxPixels = 64 * 64;
    QCOMPARE(loadImageBytes(png, "x.png", limits).width, 64);
    limits.maxFileBytes = 10;
    expectError([&] { loadImageBytes(png, "x.png", limits); }, QStringLiteral("x.png: too large"));
}

void TestImageIo::renderOutlinesBoxesAndLeavesTheRest()
{
    const ImageU8 image = blackImage(200, 100);
    Entity entity;
    entity.phrase = "a cat";
    entity.boxes = {{0.25, 0.5, 0.75, 0.9}};  // pixels x 50..149, y 50..89
    const ImageU8 out = renderEntities(image, {entity});
    QCOMPARE(out.width, 200);
    QCOMPARE(out.height, 100);
    QCOMPARE(out.channels, 3);
    const auto colour = entityColour(0);
    QCOMPARE(pixelAt(out, 50, 70), colour);   // left edge
    QCOMPARE(pixelAt(out, 149, 70), colour);  // right edge
    QCOMPARE(pixelAt(out, 100, 50), colour);  // top edge
    QCOMPARE(pixelAt(out, 100, 89), colour);  // bottom edge
    const std::array<std::uint8_t, 3> black{0, 0, 0};
    QCOMPARE(pixelAt(out, 100, 70), black);   // inside
    QCOMPARE(pixelAt(out, 48, 70), black);    // just outside
    QCOMPARE(pixelAt(out, 195, 5), black);    // far away
    QCOMPARE(pixelAt(out, 10, 95), black);
    QCOMPARE(pixelAt(out, 51, 49), colour);   // the label's background, above the box
    QCOMPARE(image.pixels, blackImage(200, 100).pixels);  // the input is not modified

    RenderOptions plain;
    plain.drawLabels = false;
    const ImageU8 unlabelled = renderEntities(image, {entity}, plain);
    QCOMPARE(pixelAt(unlabelled, 51, 49), black);
    QCOMPARE(pixelAt(unlabelled, 50, 70), colour);
}

void TestImageIo::renderGivesEntitiesDistinctColours()
{
    for (std::size_t i = 0; i < entityPaletteSize(); ++i)
        for (std::size_t j = i + 1; j < entityPaletteSize(); ++j)
            QVERIFY(entityColour(i) != entityColour(j));
    Entity a{"left", {0, 4}, {{0.05, 0.3, 0.3, 0.9}}};
    Entity b{"right", {5, 10}, {{0.6, 0.3, 0.95, 0.9}, {0.4, 0.4, 0.5, 0.5}}};
    ImageU8 grey;
    grey.width = 400;
    grey.height = 300;
    grey.channels = 1;
    grey.pixels.assign(400 * 300, 128);
    const ImageU8 out = renderEntities(grey, {a, b});
    QCOMPARE(out.channels, 3);
    QCOMPARE(pixelAt(out, 20, 200), entityColour(0));
    QCOMPARE(pixelAt(out, 240, 200), entityColour(1));
    QCOMPARE(pixelAt(out, 160, 135), entityColour(1));  // second box of the second entity
    QCOMPARE(pixelAt(out, 200, 280), (std::array<std::uint8_t, 3>{128, 128, 128}));
}

void TestImageIo::renderSurvivesHostileBoxes()
{
    const ImageU8 image = blackImage(31, 17);
    Entity e;
    e.phrase = std::string(5000, 'x') + "\xE2\x98\x83\x01";
    e.boxes = {{NAN, 0, 1, 1}, {-5, -5, 10, 10}, {2, 2, 3, 3}, {0.9, 0.9, 0.1, 0.1}, {0.5, 0.5, 0.5, 0.5},
               {-INFINITY, 0, INFINITY, 1}};
    const ImageU8 out = renderEntities(image, {e, Entity{}});
    QCOMPARE(out.pixels.size(), image.pixels.size());
    QCOMPARE(pixelAt(out, 0, 16), entityColour(0));  // the [-5, 10] box clipped to the whole image
    RenderOptions big;
    big.lineThickness = 1000;
    big.fontScale = 1e9;
    QCOMPARE(renderEntities(image, {e}, big).pixels.size(), image.pixels.size());
}

QTEST_GUILESS_MAIN(TestImageIo)
#include "test_image_io.moc"
