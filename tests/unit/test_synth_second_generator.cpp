// Generator B (datasets/second_generator/make_shapes.py, pure Python) writes what the spec asks for: the same
// JSONL checks as generator A, images of the stated size, the named colours inside the boxes, and the same
// bytes for the same seed. Skips when python3 is not installed.
#include <QTemporaryDir>
#include <QtTest>

#include <cstdlib>
#include <fstream>
#include <iterator>

#include <opencv2/imgcodecs.hpp>

#include "test_synth_checks.h"

namespace {

const std::string kScript = std::string(KOSMOS_DATASETS_DIR) + "/second_generator/make_shapes.py";

bool havePython() { return std::system("command -v python3 >/dev/null 2>&1") == 0; }

int runGenerator(const std::string& out, int count, int seed) {
    const std::string command = "python3 '" + kScript + "' --out '" + out + "' --count " + std::to_string(count) +
                                " --seed " + std::to_string(seed) + " > '" + out + ".log' 2>&1";
    return std::system(command.c_str());
}

std::string readAll(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

} // namespace

class TestSynthSecondGenerator : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        if (!havePython()) QSKIP("python3 is not installed");
        QVERIFY(QFile::exists(QString::fromStdString(kScript)));
    }

    void outputPassesTheSpecChecks() {
        QTemporaryDir dir;
        const std::string out = dir.path().toStdString() + "/b";
        QCOMPARE(runGenerator(out, 20, 11), 0);
        std::vector<synthchecks::CheckedRecord> records;
        QCOMPARE(QString::fromStdString(synthchecks::checkFolder(out, records)), QString());
        QCOMPARE(records.size(), size_t{20});

        size_t objects = 0;
        for (const auto& record : records) {
            const cv::Mat image = cv::imread(out + "/" + record.image, cv::IMREAD_COLOR);
            QVERIFY(!image.empty());
            for (const auto& object : record.objects) {
                ++objects;
                int base[3];
                QVERIFY(synthchecks::baseColour(object.colour, base));
                // Pixels of the named colour (within the jitter) fill a good part of the box; no light
                // background colour comes that close to any of the eight.
                int matching = 0;
                for (int y = object.y0; y < object.y1; ++y)
                    for (int x = object.x0; x < object.x1; ++x) {
                        const cv::Vec3b p = image.at<cv::Vec3b>(y, x);
                        if (std::abs(p[2] - base[0]) <= 27 && std::abs(p[1] - base[1]) <= 27 && std::abs(p[0] - base[2]) <= 27)
                            ++matching;
                    }
                const double fraction = double(matching) / ((object.x1 - object.x0) * (object.y1 - object.y0));
                QVERIFY2(fraction >= 0.10, qPrintable(QString::fromStdString(record.key + " " + object.spanText) +
                                                      QString(": %1 of the box in its colour").arg(fraction)));
            }
        }
        QVERIFY(objects >= 20);

        // Same seed, same bytes.
        const std::string again = dir.path().toStdString() + "/again";
        QCOMPARE(runGenerator(again, 3, 11), 0);
        const std::string all = readAll(out + "/annotations.jsonl");
        const std::string first3 = readAll(again + "/annotations.jsonl");
        QVERIFY(!first3.empty());
        QVERIFY(all.compare(0, first3.size(), first3) == 0);
        for (int i = 0; i < 3; ++i)
            QVERIFY(readAll(out + "/" + records[static_cast<size_t>(i)].image) ==
                    readAll(again + "/" + records[static_cast<size_t>(i)].image));
    }

    void badCountIsRefused() {
        QTemporaryDir dir;
        QVERIFY(runGenerator(dir.path().toStdString() + "/none", 0, 1) != 0);
    }
};

QTEST_GUILESS_MAIN(TestSynthSecondGenerator)
#include "test_synth_second_generator.moc"
