#pragma once
// Generator A's drawing: OpenCV's polygon and ellipse fill (anti-aliased or not) into per-object coverage
// masks, composited over the background. The tight box is measured from those masks.
#include <opencv2/core.hpp>

#include "datasets/scene.h"

namespace kosmos::synth {

// Coverage (0..255) of one object's fill and outline over `area`, a rectangle in image coordinates that
// may reach past the image border.
struct ObjectCoverage {
    cv::Rect area;
    cv::Mat fill;     // CV_8UC1, area.size()
    cv::Mat outline;  // CV_8UC1, empty when the object has no outline
};

ObjectCoverage rasteriseObject(const SceneObject& object, bool antialiased);

// Box of every pixel with non-zero fill or outline coverage; empty when nothing was drawn.
PixelBox coverageBox(const ObjectCoverage& coverage);

// Blends the object's fill, then its outline, over `image` (CV_8UC3, BGR), clipped to the image.
void compositeObject(cv::Mat& image, const ObjectCoverage& coverage, const SceneObject& object);

} // namespace kosmos::synth
