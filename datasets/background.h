#pragma once
// Backgrounds of the shapes world: solid, linear gradient, uniform noise; integer arithmetic only, so a seed
// gives the same pixels everywhere.
#include <opencv2/core.hpp>

#include "datasets/scene.h"

namespace kosmos::synth {

// The background alone, CV_8UC3 in OpenCV's BGR order.
cv::Mat renderBackground(const Background& background, int width, int height);

} // namespace kosmos::synth
