// The fuzz corpora (fuzz/corpus/<target>/: seeds and what the long runs kept) and every input that once
// crashed a fuzzer (fuzz/regressions/<target>/) replayed through the same target functions in this build:
// the parsers' regression suite for machines without clang. A crash names the input that caused it.
#include "fuzz/targets/fuzz_targets.h"

#include <QtTest>

#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <unistd.h>

namespace fs = std::filesystem;

namespace {

const char* gCurrentInput = nullptr;

// Names the input being replayed when a target aborts or crashes, then lets the signal do its work.
void reportInput(int signal) {
    if (gCurrentInput) {
        const char prefix[] = "\nfuzz replay: crashed on ";
        [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, prefix, sizeof prefix - 1);
        n = ::write(STDERR_FILENO, gCurrentInput, std::strlen(gCurrentInput));
        n = ::write(STDERR_FILENO, "\n", 1);
    }
    std::signal(signal, SIG_DFL);
    std::raise(signal);
}

std::vector<fs::path> inputsOf(const fs::path& folder) {
    std::vector<fs::path> files;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(folder, ec))
        if (entry.is_regular_file()) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    return files;
}

} // namespace

class TestFuzzReplay : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        for (int signal : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) std::signal(signal, reportInput);
    }

    void replay_data() {
        QTest::addColumn<QString>("name");
        for (const auto& target : kosmos::fuzz::allTargets()) QTest::newRow(target.name) << QString(target.name);
    }

    void replay() {
        QFETCH(QString, name);
        const auto& targets = kosmos::fuzz::allTargets();
        const auto target = std::find_if(targets.begin(), targets.end(),
                                         [&](const auto& t) { return name == QLatin1String(t.name); });
        QVERIFY(target != targets.end());
        const fs::path root = KOSMOS_FUZZ_DIR;
        const auto corpus = inputsOf(root / "corpus" / target->name);
        const auto regressions = inputsOf(root / "regressions" / target->name);
        QVERIFY2(!corpus.empty(), "every target has a committed corpus");
        std::size_t bytes = 0;
        for (const auto* list : {&corpus, &regressions}) {
            for (const fs::path& file : *list) {
                std::ifstream in(file, std::ios::binary);
                const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
                const std::string label = file.string();
                gCurrentInput = label.c_str();
                QCOMPARE(target->run(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()), 0);
                gCurrentInput = nullptr;
                bytes += data.size();
            }
        }
        qInfo("%s: %zu corpus inputs, %zu regressions, %zu bytes replayed", target->name, corpus.size(),
              regressions.size(), bytes);
    }
};

QTEST_GUILESS_MAIN(TestFuzzReplay)
#include "test_fuzz_replay.moc"
