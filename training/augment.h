#pragma once
// Data augmentation that keeps boxes true: a random crop that contains every box whole (the resize to
// the model's size then scales the image), and a horizontal flip. Both off by default: the shapes
// world lists objects left to right in its captions, which a flip would contradict.
#include <cstdint>

#include "model/image_processor.h"
#include "training/grounded_record.h"

namespace kosmos::training {

struct AugmentOptions {
    double cropProbability = 0.0;   // chance of cropping a sample
    double minCropScale = 0.6;      // smallest crop side as a fraction of the image side
    bool horizontalFlip = false;    // flip half of the samples
};

// Applies the options to an image and its record's boxes (noun chunks and referring expressions),
// drawing from `seed` only, so a sample is augmented the same way whenever it is drawn with that seed.
void augmentSample(ImageU8& image, GroundedRecord& record, const AugmentOptions& options, std::uint64_t seed);

// The pieces, public for tests. Boxes are normalised [0,1] and re-normalised to the result.
ImageU8 cropImage(const ImageU8& image, int x0, int y0, int width, int height);
void cropRecord(GroundedRecord& record, int imageWidth, int imageHeight, int x0, int y0, int width, int height);
void flipImage(ImageU8& image);
void flipRecord(GroundedRecord& record);

} // namespace kosmos::training
