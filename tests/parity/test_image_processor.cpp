// Image preprocessing against transformers' CLIPImageProcessor (PIL 9.4 bicubic) on the fixture images,
// and Pillow's resampling rules on tiny images worked out by hand.
#include "core/media/image_io.h"
#include "model/error.h"
#include "model/image_processor.h"
#include "model/safetensors.h"

#include <QtTest>

#include <cmath>
#include <cstring>

using namespace kosmos;

namespace {

ImageU8 makeImage(int width, int height, int channels, std::vector<std::uint8_t> pixels)
{
    ImageU8 image;
    image.width = width;
    image.height = height;
    image.channels = channels;
    image.pixels = std::move(pixels);
    return image;
}

QString fixtureDir()
{
    return QStringLiteral(KOSMOS_TEST_DATA_DIR "/kosmos2-tiny");
}

} // namespace

class TestImageProcessor : public QObject {
    Q_OBJECT

private slots:
    void fixtureImagesMatchTransformers_data();
    void fixtureImagesMatchTransformers();
    void greyIsReplicated();
    void rgbaDropsAlphaWithoutCompositing();
    void greyPreprocessesLikeItsRgbCopy();
    void malformedImagesAreRejected();
    void downscaleFourToTwo();
    void downscaleColumnUsesVerticalPassOnly();
    void upscaleTwoToFour();
    void passesRoundBetweenThem();
    void boxSelectsSourceRegion();
    void sameSizeIsUnchanged();
    void badSizesAreRejected();
    void normalisationIsFloat32();
};

void TestImageProcessor::fixtureImagesMatchTransformers_data()
{
    QTest::addColumn<QString>("file");
    QTest::newRow("640x480 (shrink both)") << QStringLiteral("gradient_640x480.png");
    QTest::newRow("300x500 (shrink both, unequal factors)") << QStringLiteral("stripes_300x500.png");
    QTest::newRow("224x224 (no resize)") << QStringLiteral("checker_224x224.png");
}

// Tolerance: 1e-6 absolute, i.e. the resized bytes must be identical (one 8-bit step is >= 0.0142 after
// normalisation) and the float32 arithmetic must follow numpy's.
void TestImageProcessor::fixtureImagesMatchTransformers()
{
    QFETCH(QString, file);
    const ImageU8 image = loadImageFile((fixtureDir() + QStringLiteral("/images/") + file).toStdString());
    const std::vector<float> pixels = preprocessImage(image);
    QCOMPARE(pixels.size(), std::size_t(3 * 224 * 224));

    const SafetensorsFile ref =
        SafetensorsFile::open((fixtureDir() + QStringLiteral("/reference_tensors.safetensors")).toStdString());
    const TensorInfo* info = ref.find("pixel_values/" + file.toStdString());
    QVERIFY(info != nullptr);
    QCOMPARE(info->dtype, DType::F32);
    QCOMPARE(info->shape, (std::vector<std::int64_t>{1, 3, 224, 224}));
    std::vector<float> expected(pixels.size());
    QCOMPARE(info->nbytes(), std::uint64_t(expected.size() * sizeof(float)));
    std::memcpy(expected.data(), ref.data(*info), info->nbytes());

    double maxDiff = 0.0;
    std::size_t differing = 0;
    for (std::size_t i = 0; i < pixels.size(); ++i) {
        const double d = std::fabs(double(pixels[i]) - double(expected[i]));
        maxDiff = std::max(maxDiff, d);
        differing += d > 0.0;
    }
    qInfo("%s: max |ours - transformers| = %.3g, %zu of %zu values differ", qPrintable(file), maxDiff, differing,
          pixels.size());
    QVERIFY2(maxDiff <= 1e-6, qPrintable(QStringLiteral("max diff %1").arg(maxDiff)));
}

void TestImageProcessor::greyIsReplicated()
{
    const ImageU8 rgb = toRgb(makeImage(2, 1, 1, {7, 250}));
    QCOMPARE(rgb.channels, 3);
    QCOMPARE(rgb.pixels, (std::vector<std::uint8_t>{7, 7, 7, 250, 250, 250}));
}

void TestImageProcessor::rgbaDropsAlphaWithoutCompositing()
{
    // A fully transparent pixel keeps its colour (PIL does not composite onto a background).
    const ImageU8 rgb = toRgb(makeImage(2, 1, 4, {10, 20, 30, 0, 40, 50, 60, 128}));
    QCOMPARE(rgb.channels, 3);
    QCOMPARE(rgb.pixels, (std::vector<std::uint8_t>{10, 20, 30, 40, 50, 60}));
}

void TestImageProcessor::greyPreprocessesLikeItsRgbCopy()
{
    std::vector<std::uint8_t> grey(37 * 29);
    for (std::size_t i = 0; i < grey.size(); ++i)
        grey[i] = static_cast<std::uint8_t>((i * 73 + i / 37 * 11) % 256);
    const ImageU8 image = makeImage(37, 29, 1, grey);
    const std::vector<float> a = preprocessImage(image);
    const std::vector<float> b = preprocessImage(toRgb(image));
    QCOMPARE(a, b);
}

void TestImageProcessor::malformedImagesAreRejected()
{
    QVERIFY_THROWS_EXCEPTION(Error, toRgb(makeImage(2, 2, 2, std::vector<std::uint8_t>(8))));
    QVERIFY_THROWS_EXCEPTION(Error, toRgb(makeImage(2, 2, 3, std::vector<std::uint8_t>(11))));
    QVERIFY_THROWS_EXCEPTION(Error, toRgb(makeImage(0, 2, 3, {})));
    QVERIFY_THROWS_EXCEPTION(Error, preprocessImage(makeImage(-1, -1, 3, std::vector<std::uint8_t>(3))));
    QVERIFY_THROWS_EXCEPTION(Error, resizeBicubic(makeImage(65536, 65536, 3, {}), 2, 2));
}

// 4 -> 2: scale 2, support 2 * 2 = 4. Output 0 has centre 1.0, taps x = 0..3 at filter((x - 0.5) / 2):
// bicubic(0.25) = 0.8671875 (twice), bicubic(0.75) = 0.2265625, bicubic(1.25) = -0.0703125, sum 1.890625.
// [0, 100, 200, 255] -> (100 * 0.8671875 + 200 * 0.2265625 - 255 * 0.0703125) / 1.890625 = 60.35 -> 60;
// output 1 mirrors it: (100 * 0.2265625 + 200 * 0.8671875 + 255 * 0.8671875) / 1.890625 = 220.68 -> 221.
void TestImageProcessor::downscaleFourToTwo()
{
    const ImageU8 out = resizeBicubic(makeImage(4, 1, 1, {0, 100, 200, 255}), 2, 1);
    QCOMPARE(out.width, 2);
    QCOMPARE(out.height, 1);
    QCOMPARE(out.pixels, (std::vector<std::uint8_t>{60, 221}));

    const ImageU8 rgb = resizeBicubic(toRgb(makeImage(4, 1, 1, {0, 100, 200, 255})), 2, 1);
    QCOMPARE(rgb.pixels, (std::vector<std::uint8_t>{60, 60, 60, 221, 221, 221}));
}

void TestImageProcessor::downscaleColumnUsesVerticalPassOnly()
{
    const ImageU8 out = resizeBicubic(makeImage(1, 4, 1, {0, 100, 200, 255}), 1, 2);
    QCOMPARE(out.width, 1);
    QCOMPARE(out.height, 2);
    QCOMPARE(out.pixels, (std::vector<std::uint8_t>{60, 221}));
}

// 2 -> 4: scale 0.5, no antialiasing (support 2). Centres 0.25, 0.75, 1.25, 1.75 over 2 taps:
// 0.25: bicubic(0.25) = 0.8671875, bicubic(1.25) = -0.0703125 -> (100 * 0.8671875 - 200 * 0.0703125) / 0.796875
//       = 91.18 -> 91;
// 0.75: bicubic(0.25), bicubic(0.75) = 0.2265625 -> (100 * 0.8671875 + 200 * 0.2265625) / 1.09375 = 120.71 -> 121;
// 1.25 and 1.75 mirror them: 179.29 -> 179 and 208.82 -> 209. With [0, 200] the first tap goes negative -> 0.
void TestImageProcessor::upscaleTwoToFour()
{
    QCOMPARE(resizeBicubic(makeImage(2, 1, 1, {100, 200}), 4, 1).pixels,
             (std::vector<std::uint8_t>{91, 121, 179, 209}));
    QCOMPARE(resizeBicubic(makeImage(2, 1, 1, {0, 200}), 4, 1).pixels.front(), std::uint8_t(0));
}

// 2x2 -> 1x1: both passes average two samples with weights 0.5 and round half up to 8 bits.
// Rows [0, 1] -> 1 and [1, 2] -> 2, then [1, 2] -> 2; one exact 2-D pass would give 1.
void TestImageProcessor::passesRoundBetweenThem()
{
    QCOMPARE(resizeBicubic(makeImage(2, 2, 1, {0, 1, 1, 2}), 1, 1).pixels, (std::vector<std::uint8_t>{2}));
}

// box (1, 0, 3, 1): scale 1, centres 1.5 and 2.5 land on samples 1 and 2 (bicubic(+-1) = 0) -> a crop.
// box (0.5, 0, 2.5, 1) -> 1 output: centre 1.0 with taps x = 0, 1, 2 (xmax = int(3.5) = 3):
// 0.5625, 0.5625, -0.0625 -> (100 * 0.5625 - 200 * 0.0625) / 1.0625 = 41.18 -> 41.
void TestImageProcessor::boxSelectsSourceRegion()
{
    const ImageU8 in = makeImage(4, 1, 1, {0, 100, 200, 255});
    QCOMPARE(resizeBicubic(in, 2, 1, ResizeBox{1, 0, 3, 1}).pixels, (std::vector<std::uint8_t>{100, 200}));
    QCOMPARE(resizeBicubic(in, 1, 1, ResizeBox{0.5f, 0, 1.5f, 1}).pixels.size(), std::size_t(1));
    QCOMPARE(resizeBicubic(in, 2, 1, ResizeBox{0.5f, 0, 2.5f, 1}).pixels.front(), std::uint8_t(41));
    QVERIFY_THROWS_EXCEPTION(Error, resizeBicubic(in, 2, 1, ResizeBox{-1, 0, 2, 1}));
    QVERIFY_THROWS_EXCEPTION(Error, resizeBicubic(in, 2, 1, ResizeBox{0, 0, 5, 1}));
    QVERIFY_THROWS_EXCEPTION(Error, resizeBicubic(in, 2, 1, ResizeBox{3, 0, 2, 1}));
    QVERIFY_THROWS_EXCEPTION(Error, resizeBicubic(in, 2, 1, ResizeBox{0, 0, NAN, 1}));
}

void TestImageProcessor::sameSizeIsUnchanged()
{
    std::vector<std::uint8_t> pixels(5 * 3 * 3);
    for (std::size_t i = 0; i < pixels.size(); ++i)
        pixels[i] = static_cast<std::uint8_t>(i * 37);
    const ImageU8 in = makeImage(5, 3, 3, pixels);
    QCOMPARE(resizeBicubic(in, 5, 3).pixels, pixels);
    // Only the width changes: rows are resampled, each column of the result follows one row of the input.
    const ImageU8 wide = resizeBicubic(in, 9, 3);
    QCOMPARE(wide.height, 3);
    QCOMPARE(wide.pixels.size(), std::size_t(9 * 3 * 3));
}

void TestImageProcessor::badSizesAreRejected()
{
    const ImageU8 in = makeImage(2, 2, 3, std::vector<std::uint8_t>(12, 9));
    QVERIFY_THROWS_EXCEPTION(Error, resizeBicubic(in, 0, 2));
    QVERIFY_THROWS_EXCEPTION(Error, resizeBicubic(in, 2, -5));
    QVERIFY_THROWS_EXCEPTION(Error, resizeBicubic(in, 1 << 20, 1 << 20));
    PreprocessConfig config;
    config.size = 0;
    QVERIFY_THROWS_EXCEPTION(Error, preprocessImage(in, config));
    config.size = 4;
    config.std[1] = 0.0f;
    QVERIFY_THROWS_EXCEPTION(Error, preprocessImage(in, config));
}

// A uniform image needs no resampling; every value must be numpy's float32 ((v / 255 as float64 -> f32)
// - mean_f32) / std_f32, which differs from a float64 computation in the last bits.
void TestImageProcessor::normalisationIsFloat32()
{
    PreprocessConfig config;
    config.size = 2;
    for (int v : {0, 1, 77, 128, 254, 255}) {
        const ImageU8 in = makeImage(3, 3, 3, std::vector<std::uint8_t>(27, static_cast<std::uint8_t>(v)));
        const std::vector<float> out = preprocessImage(in, config);
        QCOMPARE(out.size(), std::size_t(12));
        for (int c = 0; c < 3; ++c) {
            const volatile float x = static_cast<float>(v / 255.0);
            const volatile float centred = x - config.mean[c];
            const float expected = centred / config.std[c];
            for (int i = 0; i < 4; ++i)
                QCOMPARE(out[c * 4 + i], expected);
        }
    }
}

QTEST_GUILESS_MAIN(TestImageProcessor)
#include "test_image_processor.moc"
