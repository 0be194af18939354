// Generator A of the shapes world: determinism (seeds, thread counts), the spec over hundreds of samples,
// tight boxes against the decoded pixels, and the variety the spec asks for.
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>

#include <opencv2/imgcodecs.hpp>

#include "datasets/background.h"
#include "datasets/shapes_generator.h"
#include "model/error.h"
#include "test_synth_checks.h"

using namespace kosmos::synth;

namespace {

std::string readAll(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

int channelDistance(const cv::Vec3b& a, const cv::Vec3b& b) {
    return std::max({std::abs(a[0] - b[0]), std::abs(a[1] - b[1]), std::abs(a[2] - b[2])});
}

double distance(const cv::Vec3b& bgr, const Rgb& rgb) {
    const double db = bgr[0] - rgb.b, dg = bgr[1] - rgb.g, dr = bgr[2] - rgb.r;
    return std::sqrt(db * db + dg * dg + dr * dr);
}

// Box of the pixels that look drawn, searched around the object's box (grown by `margin`) outside every other
// object's box. Exact pixels (PNG): any pixel that differs from the background. Lossy pixels (JPEG): a pixel
// nearer the object's fill or outline colour than the background there.
PixelBox detectDrawn(const cv::Mat& image, const cv::Mat& background, const Scene& scene, size_t objectIndex,
                     bool lossy, int margin) {
    const SceneObject& object = scene.objects[objectIndex];
    const PixelBox& box = object.box;
    PixelBox found{image.cols, image.rows, 0, 0};
    for (int y = std::max(box.y0 - margin, 0); y < std::min(box.y1 + margin, image.rows); ++y) {
        for (int x = std::max(box.x0 - margin, 0); x < std::min(box.x1 + margin, image.cols); ++x) {
            bool other = false;
            for (size_t k = 0; k < scene.objects.size(); ++k) {
                const PixelBox& o = scene.objects[k].box;
                if (k != objectIndex && x >= o.x0 && x < o.x1 && y >= o.y0 && y < o.y1) other = true;
            }
            if (other) continue;
            const cv::Vec3b pixel = image.at<cv::Vec3b>(y, x);
            const cv::Vec3b under = background.at<cv::Vec3b>(y, x);
            bool drawn = channelDistance(pixel, under) > 0;
            if (lossy) {
                const Rgb bg{under[2], under[1], under[0]};
                double nearest = distance(pixel, object.fill);
                if (object.outlined) nearest = std::min(nearest, distance(pixel, object.outline));
                drawn = nearest < distance(pixel, bg);
            }
            if (drawn)
                found = {std::min(found.x0, x), std::min(found.y0, y), std::max(found.x1, x + 1), std::max(found.y1, y + 1)};
        }
    }
    return found;
}

// How far the found box reaches past the annotated one (outward) and falls short of it (inward), in pixels.
int outward(const PixelBox& found, const PixelBox& box) {
    return std::max({box.x0 - found.x0, box.y0 - found.y0, found.x1 - box.x1, found.y1 - box.y1, 0});
}
int inward(const PixelBox& found, const PixelBox& box) {
    return std::max({found.x0 - box.x0, found.y0 - box.y0, box.x1 - found.x1, box.y1 - found.y1, 0});
}

} // namespace

class TestSynthGenerator : public QObject {
    Q_OBJECT

private slots:
    void sameSeedSameBytesWhateverTheThreads() {
        QTemporaryDir one, two, three;
        SynthOptions options;
        options.count = 40;
        options.seed = 7;
        options.outDir = one.path().toStdString();
        options.threads = 1;
        const SynthReport first = generateDataset(options);
        options.outDir = two.path().toStdString();
        options.threads = 3;
        generateDataset(options);
        options.outDir = three.path().toStdString();
        options.seed = 8;
        generateDataset(options);

        const std::string jsonl = readAll(one.path().toStdString() + "/annotations.jsonl");
        QVERIFY(!jsonl.empty());
        QCOMPARE(std::count(jsonl.begin(), jsonl.end(), '\n'), 40L);
        QVERIFY(jsonl == readAll(two.path().toStdString() + "/annotations.jsonl"));
        QVERIFY(jsonl != readAll(three.path().toStdString() + "/annotations.jsonl"));
        std::vector<synthchecks::CheckedRecord> records;
        QCOMPARE(QString::fromStdString(synthchecks::checkFolder(one.path().toStdString(), records)), QString());
        for (const auto& record : records) {
            const std::string a = readAll(one.path().toStdString() + "/" + record.image);
            QVERIFY(!a.empty());
            QVERIFY2(a == readAll(two.path().toStdString() + "/" + record.image), record.image.c_str());
        }
        QCOMPARE(first.count, std::uint64_t{40});
        QVERIFY(!QFile::exists(one.path() + "/annotations.jsonl.part"));

        // One sample alone equals the same sample inside a run.
        const GeneratedSample alone = generateSample(7, 13, SampleLimits{});
        QVERIFY(alone.encoded.size() > 100);
        const std::string inRun = readAll(one.path().toStdString() + "/" + alone.record.image);
        QVERIFY(std::string(alone.encoded.begin(), alone.encoded.end()) == inRun);
        std::istringstream lines(jsonl);
        std::string line;
        for (int i = 0; i <= 13; ++i) std::getline(lines, line);
        QCOMPARE(QString::fromStdString(line), QString::fromStdString(gritJsonLine(alone.record)));
    }

    void specHoldsOver200Samples() {
        QTemporaryDir dir;
        SynthOptions options;
        options.count = 200;
        options.seed = 2024;
        options.threads = 2;
        options.outDir = dir.path().toStdString();
        const SynthReport report = generateDataset(options);
        std::vector<synthchecks::CheckedRecord> records;
        QCOMPARE(QString::fromStdString(synthchecks::checkFolder(options.outDir, records)), QString());
        QCOMPARE(records.size(), size_t{200});
        size_t objects = 0, jpeg = 0, png = 0;
        for (const auto& r : records) {
            objects += r.objects.size();
            (r.image.substr(r.image.size() - 4) == ".jpg" ? jpeg : png) += 1;
            QCOMPARE(QString::fromStdString(r.image), QString::fromStdString("images/" + sampleStem(r.id) + r.image.substr(r.image.size() - 4)));
        }
        QCOMPARE(objects, static_cast<size_t>(report.objects));
        QCOMPARE(jpeg, static_cast<size_t>(report.jpegImages));
        QVERIFY(jpeg > 50 && png > 50);
    }

    void tightBoxesMatchTheDecodedPixels() {
        // PNG without anti-aliasing: exact. PNG anti-aliased: the faintest edge pixels may round to the
        // background colour. JPEG: a pixel counts when nearer the object's colour than the background, so
        // thin tips and the anti-aliased fringe fall short by a pixel or more, but nothing lies outside.
        const char* names[3] = {"PNG", "PNG anti-aliased", "JPEG"};
        int worstOut[3] = {0, 0, 0}, worstIn[3] = {0, 0, 0}, counted[3] = {0, 0, 0};
        int colourErrors = 0;
        for (std::uint64_t index = 0; index < 200; ++index) {
            const GeneratedSample sample = generateSample(99, index, SampleLimits{});
            const Scene& scene = sample.scene;
            const cv::Mat image = cv::imdecode(sample.encoded, cv::IMREAD_COLOR);
            QVERIFY(!image.empty());
            QCOMPARE(image.cols, scene.width);
            QCOMPARE(image.rows, scene.height);
            const cv::Mat background = renderBackground(scene.background, scene.width, scene.height);
            const int kind = scene.jpeg ? 2 : (scene.antialiased ? 1 : 0);
            for (size_t i = 0; i < scene.objects.size(); ++i) {
                const SceneObject& object = scene.objects[i];
                const PixelBox found = detectDrawn(image, background, scene, i, scene.jpeg, 4);
                worstOut[kind] = std::max(worstOut[kind], outward(found, object.box));
                worstIn[kind] = std::max(worstIn[kind], inward(found, object.box));
                ++counted[kind];
                // The annotation's box is the one written to the JSONL.
                const GritEntity& e = sample.record.entities[i];
                QCOMPARE(std::lround(e.x0 * scene.width), long(object.box.x0));
                QCOMPARE(std::lround(e.y0 * scene.height), long(object.box.y0));
                QCOMPARE(std::lround(e.x1 * scene.width), long(object.box.x1));
                QCOMPARE(std::lround(e.y1 * scene.height), long(object.box.y1));
                // The named colour is drawn at the shape's centre.
                int base[3];
                const std::string name(kColours[static_cast<size_t>(object.colourIndex)].name);
                QVERIFY(synthchecks::baseColour(name, base));
                const cv::Vec3b centre = image.at<cv::Vec3b>(static_cast<int>(object.geometry.cy),
                                                             static_cast<int>(object.geometry.cx));
                const int slack = kColourJitter + (scene.jpeg ? 25 : 1);
                if (std::abs(centre[2] - base[0]) > slack || std::abs(centre[1] - base[1]) > slack ||
                    std::abs(centre[0] - base[2]) > slack)
                    ++colourErrors;
            }
        }
        for (int k = 0; k < 3; ++k)
            qInfo("%s: %d objects, found box past the annotation by at most %d px, short of it by at most %d px",
                  names[k], counted[k], worstOut[k], worstIn[k]);
        QVERIFY(counted[0] > 20 && counted[1] > 20 && counted[2] > 20);
        QCOMPARE(worstOut[0], 0);
        QCOMPARE(worstIn[0], 0);
        QCOMPARE(worstOut[1], 0);
        QVERIFY(worstIn[1] <= 1);
        QVERIFY(worstOut[2] <= 1);
        QVERIFY(worstIn[2] <= 3);
        QCOMPARE(colourErrors, 0);
    }

    void everyVariationAppearsOver500Samples() {
        std::set<int> shapes, colours, backgrounds, templates, counts, gaps, qualities;
        std::set<bool> antialiased, jpeg, outlined;
        double minRotation = 0, maxRotation = 0, maxAspect = 1, minFraction = 1, maxFraction = 0;
        int minWidth = 1000, maxWidth = 0, minHeight = 1000, maxHeight = 0;
        for (std::uint64_t index = 0; index < 500; ++index) {
            const GeneratedSample sample = generateSample(5, index, SampleLimits{}, false);
            QVERIFY(sample.encoded.empty());
            const Scene& s = sample.scene;
            backgrounds.insert(static_cast<int>(s.background.kind));
            templates.insert(static_cast<int>(s.captionTemplate));
            counts.insert(static_cast<int>(s.objects.size()));
            gaps.insert(s.minGap);
            antialiased.insert(s.antialiased);
            jpeg.insert(s.jpeg);
            if (s.jpeg) qualities.insert(s.jpegQuality);
            QVERIFY(s.jpegQuality >= kMinJpegQuality && s.jpegQuality <= kMaxJpegQuality);
            minWidth = std::min(minWidth, s.width);
            maxWidth = std::max(maxWidth, s.width);
            minHeight = std::min(minHeight, s.height);
            maxHeight = std::max(maxHeight, s.height);
            const Rgb& bg = s.background.colour;
            QVERIFY(bg.r >= kMinBackgroundChannel && bg.g >= kMinBackgroundChannel && bg.b >= kMinBackgroundChannel);
            QVERIFY(s.background.noiseAmplitude <= kMaxNoiseAmplitude);
            for (const SceneObject& o : s.objects) {
                shapes.insert(static_cast<int>(o.shape));
                colours.insert(o.colourIndex);
                outlined.insert(o.outlined);
                const Rgb& base = kColours[static_cast<size_t>(o.colourIndex)].rgb;
                QVERIFY(std::abs(o.fill.r - base.r) <= kColourJitter && std::abs(o.fill.g - base.g) <= kColourJitter &&
                        std::abs(o.fill.b - base.b) <= kColourJitter);
                if (isRotatable(o.shape)) {
                    minRotation = std::min(minRotation, o.geometry.rotationDegrees);
                    maxRotation = std::max(maxRotation, o.geometry.rotationDegrees);
                } else {
                    QCOMPARE(o.geometry.rotationDegrees, 0.0);
                }
                if (o.shape == Shape::Circle) {
                    const double aspect = std::max(o.geometry.radiusX, o.geometry.radiusY) /
                                          std::min(o.geometry.radiusX, o.geometry.radiusY);
                    QVERIFY(aspect <= kMaxEllipseAspect + 1e-9);
                    maxAspect = std::max(maxAspect, aspect);
                }
                const double fraction = double(o.box.side()) / std::min(s.width, s.height);
                minFraction = std::min(minFraction, fraction);
                maxFraction = std::max(maxFraction, fraction);
            }
        }
        QCOMPARE(shapes.size(), size_t{kShapeCount});
        QCOMPARE(colours.size(), size_t{kColourCount});
        QCOMPARE(backgrounds.size(), size_t{kBackgroundKindCount});
        QCOMPARE(templates.size(), size_t{kCaptionTemplateCount});
        QCOMPARE(counts, (std::set<int>{1, 2, 3, 4, 5}));
        QCOMPARE(gaps, (std::set<int>{0, 1, 2, 3, 4}));
        QCOMPARE(antialiased.size(), size_t{2});
        QCOMPARE(jpeg.size(), size_t{2});
        QCOMPARE(outlined.size(), size_t{2});
        QVERIFY(qualities.size() > 15);
        QVERIFY(minRotation < -25 && maxRotation > 25);
        QVERIFY(maxAspect > 1.25);
        QVERIFY2(minFraction < 0.13 && maxFraction > 0.46, qPrintable(QString("box fractions %1..%2").arg(minFraction).arg(maxFraction)));
        QVERIFY(minWidth < 240 && maxWidth > 620 && minHeight < 240 && maxHeight > 620);
    }

    void committedSamplesAreCurrent() {
        // datasets/samples was written by `kosmos2 synth --out datasets/samples --count 12 --seed 1`.
        const std::string folder = std::string(KOSMOS_DATASETS_DIR) + "/samples";
        std::vector<synthchecks::CheckedRecord> records;
        QCOMPARE(QString::fromStdString(synthchecks::checkFolder(folder, records)), QString());
        QCOMPARE(records.size(), size_t{12});
        std::istringstream lines(readAll(folder + "/annotations.jsonl"));
        std::string line;
        for (std::uint64_t i = 0; std::getline(lines, line); ++i)
            QCOMPARE(QString::fromStdString(line),
                     QString::fromStdString(gritJsonLine(generateSample(1, i, SampleLimits{}, false).record)));
    }

    void narrowedLimitsAreHonoured() {
        SampleLimits limits;
        limits.minSide = 300;
        limits.maxSide = 320;
        limits.format = ImageFormat::Png;
        for (std::uint64_t i = 0; i < 30; ++i) {
            const GeneratedSample s = generateSample(3, i, limits, false);
            QVERIFY(s.scene.width >= 300 && s.scene.width <= 320 && s.scene.height >= 300 && s.scene.height <= 320);
            QVERIFY(!s.scene.jpeg);
            QVERIFY(s.record.image.size() > 4 && s.record.image.substr(s.record.image.size() - 4) == ".png");
        }
    }

    void badOptionsFailWithAMessage() {
        QTemporaryDir dir;
        SynthOptions options;
        options.outDir = dir.path().toStdString();
        options.count = 0;
        QVERIFY_THROWS_EXCEPTION(kosmos::Error, generateDataset(options));
        options.count = kMaxSampleCount + 1;
        QVERIFY_THROWS_EXCEPTION(kosmos::Error, generateDataset(options));
        // The output folder is a file.
        const std::string file = dir.path().toStdString() + "/plain-file";
        std::ofstream(file) << "x";
        options.outDir = file;
        options.count = 2;
        try {
            generateDataset(options);
            QFAIL("a file as output folder was accepted");
        } catch (const kosmos::Error& e) {
            QVERIFY2(std::string(e.what()).find("plain-file") != std::string::npos, e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestSynthGenerator)
#include "test_synth_generator.moc"
