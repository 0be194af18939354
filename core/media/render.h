#pragma once
// Draws grounding results (boxes and phrases) onto an image, for `kosmos2 render` and exports.
#include "model/grounding.h"
#include "model/image_processor.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace kosmos {

struct RenderOptions {
    int lineThickness = 0;   // box outline in pixels; 0 = from the image size
    double fontScale = 0.0;  // label size (OpenCV Hershey scale); 0 = from the image size
    bool drawLabels = true;  // the phrase on a filled background at each box's top-left corner
};

// Colour of the entity with this index (a fixed palette of distinct colours, repeating).
std::array<std::uint8_t, 3> entityColour(std::size_t index);
std::size_t entityPaletteSize();

// Returns an RGB copy of `image` (grey and RGBA converted as toRgb does) with every box of every entity
// outlined in the entity's colour and labelled with its phrase. Boxes are normalised (pixel = x * W, y * H);
// parts outside the image are clipped, non-finite boxes skipped. Non-ASCII characters of a phrase are drawn
// as '?', and a label wider than the image is shortened with "...".
ImageU8 renderEntities(const ImageU8& image, const std::vector<Entity>& entities, const RenderOptions& options = {});

} // namespace kosmos
