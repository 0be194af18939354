#pragma once
// Plans one image of the shapes world from a seed: draws every random choice, places the objects (drawing
// each one to measure its tight box) and orders them left to right for the caption.
#include <cstdint>
#include <vector>

#include <opencv2/core.hpp>

#include "datasets/scene.h"
#include "datasets/shape_raster.h"

namespace kosmos::synth {

struct PlannedScene {
    Scene scene;
    std::vector<ObjectCoverage> coverages;  // parallel to scene.objects
};

PlannedScene planScene(std::uint64_t sampleSeed, const SampleLimits& limits);

// The final picture, CV_8UC3 in BGR order.
cv::Mat renderScene(const PlannedScene& planned);

} // namespace kosmos::synth
