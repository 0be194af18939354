#pragma once
// Outlines of the shapes as exact geometry (polygons, ellipse axes), independent of any drawing library.
#include <vector>

#include "datasets/scene.h"

namespace kosmos::synth {

struct Point2 {
    double x = 0.0;
    double y = 0.0;
};

struct Extent {
    double width = 0.0;
    double height = 0.0;
};

// Vertices of a polygon shape (square, triangle, star, diamond, hexagon) in pixel coordinates; a circle gives
// a fine polygon of its ellipse.
std::vector<Point2> shapeVertices(const ShapeGeometry& geometry);

// Width and height of the geometric bounding box.
Extent geometricExtent(const ShapeGeometry& geometry);

// Scales the shape about its centre so that the larger side of its geometric box is `side`.
void fitToSide(ShapeGeometry& geometry, double side);

} // namespace kosmos::synth
