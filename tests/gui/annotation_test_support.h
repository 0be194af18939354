#pragma once
// Shared set-up of the annotation editing tests: a store file with samples pointing at the fixture
// images, and a sample with known entities.
#include <QFileInfo>
#include <QString>

#include <memory>
#include <string>

#include "core/sample.h"
#include "core/sample_repository.h"
#include "core/store.h"
#include "gui_test_support.h"

namespace kosmos::ui::test {

namespace st = kosmos::store;

inline st::EntityRecord entityRecord(int start, int end, const std::string& phrase, kosmos::Box box,
                                     st::EntitySource source = st::EntitySource::Imported,
                                     std::optional<double> confidence = 0.9) {
    st::EntityRecord e;
    e.spanStart = start;
    e.spanEnd = end;
    e.phrase = phrase;
    e.boxes = {box};
    e.source = source;
    e.confidence = confidence;
    return e;
}

// "a red circle next to a blue square": "a red circle" [0,12) and "a blue square" [21,34).
inline st::Sample shapesSample(const std::string& key, const QString& imagePath = {}) {
    st::Sample s;
    s.key = key;
    s.caption = "a red circle next to a blue square";
    s.width = 640;
    s.height = 480;
    s.entities.push_back(entityRecord(0, 12, "a red circle", {0.1, 0.2, 0.4, 0.5}));
    s.entities.push_back(entityRecord(21, 34, "a blue square", {0.5, 0.5, 0.9, 0.9}, st::EntitySource::Model, 0.4));
    s.entities.back().modelCheckpoint = "tiny";
    s.entities.back().modelPrompt = "<grounding>An image of";
    if (!imagePath.isEmpty()) {
        st::ImageInfo image;
        image.path = imagePath.toStdString();
        image.width = 640;
        image.height = 480;
        image.format = "png";
        image.byteSize = QFileInfo(imagePath).size();
        s.image = image;
    }
    return s;
}

// A store file with `count` samples "sample-<i>" on the 640x480 fixture image; returns it open.
inline std::shared_ptr<st::AnnotationStore> makeStore(const QString& path, int count) {
    auto store = std::make_shared<st::AnnotationStore>(path.toStdString());
    for (int i = 0; i < count; ++i) {
        st::Sample s = shapesSample("sample-" + std::to_string(i), fixtureImage("gradient_640x480.png"));
        st::putSample(*store, s, "import");
    }
    return store;
}

inline bool near(double a, double b, double tolerance = 1e-9) { return std::abs(a - b) <= tolerance; }

inline bool nearBox(const kosmos::Box& a, const kosmos::Box& b, double tolerance = 1e-9) {
    for (int k = 0; k < 4; ++k)
        if (!near(a[static_cast<std::size_t>(k)], b[static_cast<std::size_t>(k)], tolerance)) return false;
    return true;
}

} // namespace kosmos::ui::test
