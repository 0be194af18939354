#include "datasets/shape_raster.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "datasets/shape_geometry.h"

namespace kosmos::synth {
namespace {

constexpr int kShift = 8;                   // sub-pixel bits of OpenCV's drawing coordinates
constexpr double kFixedOne = 1 << kShift;

// OpenCV puts integer coordinates at pixel centres; our geometry puts pixel i at [i, i+1).
int fixedCoordinate(double value, int origin) {
    return static_cast<int>(std::lround((value - 0.5 - origin) * kFixedOne));
}

void drawShape(cv::Mat& mask, const ShapeGeometry& g, const cv::Point& origin, int thickness, int lineType) {
    if (g.shape == Shape::Circle) {
        const cv::Point centre(fixedCoordinate(g.cx, origin.x), fixedCoordinate(g.cy, origin.y));
        const cv::Size axes(static_cast<int>(std::lround(g.radiusX * kFixedOne)),
                            static_cast<int>(std::lround(g.radiusY * kFixedOne)));
        cv::ellipse(mask, centre, axes, 0.0, 0.0, 360.0, cv::Scalar(255), thickness, lineType, kShift);
        return;
    }
    std::vector<cv::Point> points;
    for (const Point2& p : shapeVertices(g))
        points.emplace_back(fixedCoordinate(p.x, origin.x), fixedCoordinate(p.y, origin.y));
    const cv::Point* data = points.data();
    const int count = static_cast<int>(points.size());
    if (thickness < 0)
        cv::fillPoly(mask, &data, &count, 1, cv::Scalar(255), lineType, kShift);
    else
        cv::polylines(mask, &data, &count, 1, true, cv::Scalar(255), thickness, lineType, kShift);
}

std::uint8_t blend(std::uint8_t under, std::uint8_t over, int alpha) {
    return static_cast<std::uint8_t>((under * (255 - alpha) + over * alpha + 127) / 255);
}

void blendMask(cv::Mat& image, const cv::Mat& mask, const cv::Rect& area, const Rgb& colour) {
    const cv::Rect clipped = area & cv::Rect(0, 0, image.cols, image.rows);
    for (int y = clipped.y; y < clipped.y + clipped.height; ++y) {
        const std::uint8_t* alphaRow = mask.ptr<std::uint8_t>(y - area.y);
        cv::Vec3b* row = image.ptr<cv::Vec3b>(y);
        for (int x = clipped.x; x < clipped.x + clipped.width; ++x) {
            const int alpha = alphaRow[x - area.x];
            if (alpha == 0) continue;
            cv::Vec3b& pixel = row[x];
            pixel[0] = blend(pixel[0], colour.b, alpha);
            pixel[1] = blend(pixel[1], colour.g, alpha);
            pixel[2] = blend(pixel[2], colour.r, alpha);
        }
    }
}

} // namespace

ObjectCoverage rasteriseObject(const SceneObject& object, bool antialiased) {
    const ShapeGeometry& g = object.geometry;
    const Extent extent = geometricExtent(g);
    const int margin = 3 + (object.outlined ? object.outlineWidth : 0);
    const int x0 = static_cast<int>(std::floor(g.cx - extent.width / 2.0)) - margin;
    const int y0 = static_cast<int>(std::floor(g.cy - extent.height / 2.0)) - margin;
    const int x1 = static_cast<int>(std::ceil(g.cx + extent.width / 2.0)) + margin;
    const int y1 = static_cast<int>(std::ceil(g.cy + extent.height / 2.0)) + margin;

    ObjectCoverage coverage;
    coverage.area = cv::Rect(x0, y0, x1 - x0, y1 - y0);
    const int lineType = antialiased ? cv::LINE_AA : cv::LINE_8;
    coverage.fill = cv::Mat::zeros(coverage.area.size(), CV_8UC1);
    drawShape(coverage.fill, g, coverage.area.tl(), cv::FILLED, lineType);
    if (object.outlined) {
        coverage.outline = cv::Mat::zeros(coverage.area.size(), CV_8UC1);
        drawShape(coverage.outline, g, coverage.area.tl(), object.outlineWidth, lineType);
    }
    return coverage;
}

PixelBox coverageBox(const ObjectCoverage& coverage) {
    cv::Mat drawn = coverage.fill > 0;
    if (!coverage.outline.empty()) drawn |= coverage.outline > 0;
    const cv::Rect bounds = cv::boundingRect(drawn);
    if (bounds.empty()) return {};
    return {coverage.area.x + bounds.x, coverage.area.y + bounds.y, coverage.area.x + bounds.x + bounds.width,
            coverage.area.y + bounds.y + bounds.height};
}

void compositeObject(cv::Mat& image, const ObjectCoverage& coverage, const SceneObject& object) {
    blendMask(image, coverage.fill, coverage.area, object.fill);
    if (object.outlined) blendMask(image, coverage.outline, coverage.area, object.outline);
}

} // namespace kosmos::synth
