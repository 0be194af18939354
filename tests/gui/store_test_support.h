#pragma once
// Generated annotation stores for the dataset browser and store tests: sample i has a caption,
// split, review state and entity sources that follow simple rules of i, so a test can count what a
// filter must find without asking the store.
#include <QDir>
#include <QFile>
#include <QString>
#include <QStringList>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "core/sample.h"
#include "core/sample_repository.h"
#include "core/store.h"

namespace kosmos::ui::test {

namespace store = kosmos::store;

inline const char* const kCaptions[] = {
    "A red circle and a blue square.", "Two green triangles.", "A Yellow star above a red circle.",
    "An orange hexagon.", "A purple diamond next to a green star."};

inline store::Split generatedSplit(int i) { return static_cast<store::Split>((i / 2) % 3); }
inline store::ReviewState generatedReview(int i) { return static_cast<store::ReviewState>((i / 3) % 4); }
inline std::string generatedCaption(int i) { return kCaptions[i % 5]; }
// Sources: i % 3 == 0 imported only; 1 imported and model; 2 model and a person's correction.
inline bool hasImported(int i) { return i % 3 != 2; }
inline bool hasModel(int i) { return i % 3 != 0; }
inline bool hasHuman(int i) { return i % 3 == 2; }
// The lowest model confidence of sample i (when hasModel): distinct for the first 101 samples of a kind.
inline double generatedMinConfidence(int i) { return ((i * 37) % 101 + 1) / 102.0; }
// Every fourth sample has no image; the others use images[i % images.size()].
inline bool hasImage(int i, const QStringList& images) { return !images.isEmpty() && i % 4 != 0; }

inline store::EntityRecord generatedEntity(const std::string& caption, store::EntitySource source, double confidence,
                                           int start, int end) {
    store::EntityRecord e;
    e.spanStart = start;
    e.spanEnd = end;
    e.phrase = store::utf8Slice(caption, start, end);
    e.boxes = {{0.1, 0.15, 0.5 + confidence / 4, 0.6}};
    e.source = source;
    if (source != store::EntitySource::Human) e.confidence = confidence;
    if (source == store::EntitySource::Model) {
        e.modelCheckpoint = "generated";
        e.modelPrompt = "<grounding>An image of";
    }
    if (source == store::EntitySource::Human) e.author = "tester";
    return e;
}

inline store::Sample generatedSample(int i, const QStringList& images) {
    store::Sample s;
    char key[32];
    std::snprintf(key, sizeof key, "sample-%06d", i);
    s.key = key;
    s.caption = generatedCaption(i);
    s.split = generatedSplit(i);
    s.review = generatedReview(i);
    s.width = 640;
    s.height = 480;
    if (hasImported(i)) s.entities.push_back(generatedEntity(s.caption, store::EntitySource::Imported, 1.0, 0, 5));
    if (hasModel(i)) {
        const double c = generatedMinConfidence(i);
        s.entities.push_back(generatedEntity(s.caption, store::EntitySource::Model, std::min(1.0, c + 0.3), 2, 9));
        s.entities.push_back(generatedEntity(s.caption, store::EntitySource::Model, c, 6, 12));
    }
    if (hasHuman(i)) s.entities.push_back(generatedEntity(s.caption, store::EntitySource::Human, 0, 2, 9));
    if (hasImage(i, images)) {
        store::ImageInfo image;
        image.path = QDir::cleanPath(images[i % images.size()]).toStdString();
        image.width = 640;
        image.height = 480;
        image.format = "png";
        s.image = image;
    }
    return s;
}

// Fills `db` with samples 0..count-1 in one transaction.
inline void fillStore(store::AnnotationStore& db, int count, const QStringList& images = {}) {
    store::Transaction transaction(db);
    for (int i = 0; i < count; ++i) {
        store::Sample s = generatedSample(i, images);
        store::putSample(db, s, "generator");
    }
    transaction.commit();
}

// How many of samples 0..count-1 satisfy `predicate(i)`.
template <typename Predicate>
qint64 countWhere(int count, Predicate predicate) {
    qint64 n = 0;
    for (int i = 0; i < count; ++i)
        if (predicate(i)) ++n;
    return n;
}

// The generated index of a stored sample ("sample-000123" -> 123).
inline int generatedIndex(const std::string& key) { return std::stoi(key.substr(key.find('-') + 1)); }

} // namespace kosmos::ui::test
