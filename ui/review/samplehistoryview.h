#pragma once
// Who changed the open sample, and how: its change history in the store, newest first.
#include <QListWidget>

#include <memory>

namespace kosmos::store {
class AnnotationStore;
}

namespace kosmos::ui {

class SampleHistoryView : public QListWidget {
    Q_OBJECT
public:
    explicit SampleHistoryView(QWidget* parent = nullptr);

    // Reads the history of `sampleId` (none when 0 or without a store).
    void showHistory(const std::shared_ptr<kosmos::store::AnnotationStore>& store, qint64 sampleId);

    static constexpr int kShown = 50;
};

} // namespace kosmos::ui
