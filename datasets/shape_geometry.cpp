#include "datasets/shape_geometry.h"

#include <algorithm>
#include <cmath>

namespace kosmos::synth {
namespace {

constexpr double kPi = 3.14159265358979323846;

// Regular polygon (or star when innerRatio < 1) of circumradius `radius`, first vertex at `startDegrees`
// (0 = pointing right, -90 = pointing up, on screen).
std::vector<Point2> regularVertices(const ShapeGeometry& g, int corners, double startDegrees, double innerRatio) {
    const bool star = innerRatio < 1.0;
    const int count = star ? corners * 2 : corners;
    std::vector<Point2> points;
    points.reserve(static_cast<size_t>(count));
    for (int i = 0; i < count; ++i) {
        const double degrees = startDegrees + g.rotationDegrees + 360.0 * i / count;
        const double radius = (star && i % 2 == 1) ? g.radiusX * innerRatio : g.radiusX;
        const double angle = degrees * kPi / 180.0;
        points.push_back({g.cx + radius * std::cos(angle), g.cy + radius * std::sin(angle)});
    }
    return points;
}

} // namespace

std::vector<Point2> shapeVertices(const ShapeGeometry& g) {
    switch (g.shape) {
    case Shape::Square: return regularVertices(g, 4, -135.0, 1.0);
    case Shape::Diamond: return regularVertices(g, 4, -90.0, 1.0);
    case Shape::Triangle: return regularVertices(g, 3, -90.0, 1.0);
    case Shape::Star: return regularVertices(g, 5, -90.0, g.starInnerRatio);
    case Shape::Hexagon: return regularVertices(g, 6, 0.0, 1.0);
    case Shape::Circle: break;
    }
    std::vector<Point2> points;
    const int count = 180;
    points.reserve(count);
    for (int i = 0; i < count; ++i) {
        const double angle = 2.0 * kPi * i / count;
        points.push_back({g.cx + g.radiusX * std::cos(angle), g.cy + g.radiusY * std::sin(angle)});
    }
    return points;
}

Extent geometricExtent(const ShapeGeometry& g) {
    if (g.shape == Shape::Circle) return {2.0 * g.radiusX, 2.0 * g.radiusY};
    const std::vector<Point2> points = shapeVertices(g);
    double minX = points.front().x, maxX = minX, minY = points.front().y, maxY = minY;
    for (const Point2& p : points) {
        minX = std::min(minX, p.x);
        maxX = std::max(maxX, p.x);
        minY = std::min(minY, p.y);
        maxY = std::max(maxY, p.y);
    }
    return {maxX - minX, maxY - minY};
}

void fitToSide(ShapeGeometry& g, double side) {
    const Extent extent = geometricExtent(g);
    const double current = std::max(extent.width, extent.height);
    if (current <= 0.0) return;
    const double scale = side / current;
    g.radiusX *= scale;
    g.radiusY *= scale;
}

} // namespace kosmos::synth
