#pragma once
// One planned image of the shapes world: background, objects with their drawn tight boxes, caption choice
// and file format. Plain data; drawing lives in background.h and shape_raster.h.
#include <cstdint>
#include <vector>

#include "datasets/shapes_spec.h"

namespace kosmos::synth {

// Pixel box; x1 and y1 are exclusive, so the box covers columns x0..x1-1 and rows y0..y1-1.
struct PixelBox {
    int x0 = 0;
    int y0 = 0;
    int x1 = 0;
    int y1 = 0;

    int width() const { return x1 - x0; }
    int height() const { return y1 - y0; }
    int side() const { return width() > height() ? width() : height(); }
    bool empty() const { return x1 <= x0 || y1 <= y0; }
    // Separated by at least `gap` empty pixels along one axis.
    bool apartFrom(const PixelBox& other, int gap) const {
        return x1 + gap <= other.x0 || other.x1 + gap <= x0 || y1 + gap <= other.y0 || other.y1 + gap <= y0;
    }
};

enum class BackgroundKind { Solid, Gradient, Noise };
inline constexpr int kBackgroundKindCount = 3;

struct Background {
    BackgroundKind kind = BackgroundKind::Solid;
    Rgb colour;                  // solid colour, gradient start, noise base
    Rgb colour2;                 // gradient end
    double angleRadians = 0.0;   // gradient direction
    int noiseAmplitude = 0;      // noise in [-amplitude, amplitude] per channel
    bool greyNoise = false;      // the same noise on the three channels
    std::uint64_t noiseSeed = 0;
};

// Geometry in continuous pixel coordinates: pixel (i, j) covers [i, i+1) x [j, j+1).
struct ShapeGeometry {
    Shape shape = Shape::Circle;
    double cx = 0.0;
    double cy = 0.0;
    double radiusX = 0.0;          // circle: semi-axes; polygons: circumradius in radiusX
    double radiusY = 0.0;
    double rotationDegrees = 0.0;  // clockwise on screen
    double starInnerRatio = 0.45;  // inner / outer radius of a star
};

struct SceneObject {
    Shape shape = Shape::Circle;
    int colourIndex = 0;           // into kColours
    Rgb fill;
    bool outlined = false;
    Rgb outline;
    int outlineWidth = 0;
    ShapeGeometry geometry;
    PixelBox box;                  // tight box of the drawn pixels
};

enum class ImageFormat { Mixed, Png, Jpeg };

// What a run may narrow: the image side range (inside the world's 224..640) and the file format.
struct SampleLimits {
    int minSide = kMinImageSide;
    int maxSide = kMaxImageSide;
    ImageFormat format = ImageFormat::Mixed;
};

struct Scene {
    int width = 0;
    int height = 0;
    Background background;
    bool antialiased = true;
    int minGap = 0;                              // chosen gap between boxes, 0..kMaxBoxGap
    std::vector<SceneObject> objects;            // in caption order (left to right by box centre)
    CaptionTemplate captionTemplate = CaptionTemplate::AnImageOf;
    bool jpeg = false;
    int jpegQuality = 90;
};

} // namespace kosmos::synth
