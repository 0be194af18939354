#pragma once
// Export of the store to GRIT JSONL, ODVG JSONL (Open-GroundingDino's grounding records) and COCO
// JSON (MDETR-style grounding: captions on images, phrases and character spans on annotations).
// Streaming, written to a temporary file renamed over the target at the end.
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/sample.h"
#include "core/store.h"

namespace kosmos::store {

enum class ExportFormat { Grit, Odvg, Coco };
bool parseExportFormat(const std::string& name, ExportFormat& out);

struct ExportFilter {
    std::optional<Split> split;
    std::optional<ReviewState> review;
    std::vector<EntitySource> sources;   // entities of these sources (all when empty)
};

struct ExportSummary {
    std::int64_t samples = 0;
    std::int64_t entities = 0;
    std::int64_t boxes = 0;
    std::int64_t skippedNoSize = 0;      // ODVG/COCO: samples without an image size for pixel boxes
    bool cancelled = false;              // stopped by ExportControl::cancel; no file was written
};

// Progress and cancellation of a long export (a GUI runs it on a worker thread).
struct ExportControl {
    // Samples visited so far of `total` (the samples that pass the split and review filter); COCO
    // visits each sample twice, and reports the visits of both passes against 2 * total.
    std::function<void(std::int64_t visited, std::int64_t total)> onProgress;
    const std::atomic<bool>* cancel = nullptr;   // checked between samples
};

// Visits the samples that pass the filter's split and review state in id order, with their entities,
// inside one read snapshot, holding one sample at a time.
void forEachSample(AnnotationStore& store, const ExportFilter& filter, const std::function<void(const Sample&)>& visit);

// Writes `outPath`. GRIT: every stored field (unknown ones included); `image` is the image's path
// relative to the output file's folder. Entities: effectiveEntities (human corrections win).
ExportSummary exportStore(AnnotationStore& store, ExportFormat format, const std::string& outPath,
                          const ExportFilter& filter);
// The same with progress reports and cancellation; a cancelled export leaves no file behind (the
// target, if it existed, is left as it was).
ExportSummary exportStore(AnnotationStore& store, ExportFormat format, const std::string& outPath,
                          const ExportFilter& filter, const ExportControl& control);

} // namespace kosmos::store
