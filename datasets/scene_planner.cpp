#include "datasets/scene_planner.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numeric>

#include "datasets/background.h"
#include "datasets/shape_geometry.h"
#include "datasets/synth_random.h"

namespace kosmos::synth {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int kPlacementAttempts = 120;
constexpr double kOutlineProbability = 0.3;
constexpr int kMinContrast = 60;  // largest channel difference between an object and its background colours

Rgb lightColour(SynthRandom& random) {
    Rgb c;
    c.r = static_cast<std::uint8_t>(random.uniformInt(kMinBackgroundChannel, 255));
    c.g = static_cast<std::uint8_t>(random.uniformInt(kMinBackgroundChannel, 255));
    c.b = static_cast<std::uint8_t>(random.uniformInt(kMinBackgroundChannel, 255));
    return c;
}

Background planBackground(SynthRandom& random) {
    Background bg;
    bg.kind = static_cast<BackgroundKind>(random.uniformInt(0, kBackgroundKindCount - 1));
    bg.colour = lightColour(random);
    if (bg.kind == BackgroundKind::Gradient) {
        bg.colour2 = lightColour(random);
        bg.angleRadians = random.uniformReal(0.0, 2.0 * kPi);
    } else if (bg.kind == BackgroundKind::Noise) {
        bg.noiseAmplitude = random.uniformInt(4, kMaxNoiseAmplitude);
        bg.greyNoise = random.chance(0.3);
        bg.noiseSeed = random.next();
    }
    return bg;
}

std::uint8_t jitter(SynthRandom& random, int base) {
    return static_cast<std::uint8_t>(std::clamp(base + random.uniformInt(-kColourJitter, kColourJitter), 0, 255));
}

// Every random property of one object, placed somewhere inside the image; the tight box is measured later.
SceneObject drawObject(SynthRandom& random, const Scene& scene, Shape shape, int colourIndex) {
    SceneObject object;
    object.shape = shape;
    object.colourIndex = colourIndex;
    const Rgb& base = kColours[static_cast<size_t>(colourIndex)].rgb;
    object.fill = {jitter(random, base.r), jitter(random, base.g), jitter(random, base.b)};
    object.outlined = random.chance(kOutlineProbability);
    if (object.outlined) {
        object.outlineWidth = random.uniformInt(1, 2);
        const double darker = random.uniformReal(0.35, 0.7);
        object.outline = {static_cast<std::uint8_t>(std::lround(object.fill.r * darker)),
                          static_cast<std::uint8_t>(std::lround(object.fill.g * darker)),
                          static_cast<std::uint8_t>(std::lround(object.fill.b * darker))};
    }

    ShapeGeometry& g = object.geometry;
    g.shape = shape;
    g.radiusX = 1.0;
    g.radiusY = 1.0;
    if (shape == Shape::Circle) {
        const double aspect = random.uniformReal(1.0, kMaxEllipseAspect);
        (random.chance(0.5) ? g.radiusX : g.radiusY) = aspect;
    }
    if (isRotatable(shape)) g.rotationDegrees = random.uniformReal(-kMaxRotationDegrees, kMaxRotationDegrees);
    if (shape == Shape::Star) g.starInnerRatio = random.uniformReal(0.38, 0.5);

    // The outline straddles the edge and anti-aliasing may add a pixel: aim the geometry a little smaller.
    const double minSide = std::min(scene.width, scene.height);
    const double side =
        random.uniformReal(minSide * kMinBoxPercent / 100.0 + 1.0, minSide * kMaxBoxPercent / 100.0 - 1.0);
    fitToSide(g, std::max(side - (object.outlined ? object.outlineWidth : 0), 4.0));

    const Extent extent = geometricExtent(g);
    const double pad = 2.0 + object.outlineWidth;
    g.cx = random.uniformReal(extent.width / 2.0 + pad, scene.width - extent.width / 2.0 - pad);
    g.cy = random.uniformReal(extent.height / 2.0 + pad, scene.height - extent.height / 2.0 - pad);
    return object;
}

int channelDistance(const Rgb& a, const Rgb& b) {
    return std::max({std::abs(a.r - b.r), std::abs(a.g - b.g), std::abs(a.b - b.b)});
}

// A pink object on a pinkish background is legal but nearly invisible: such draws are retried.
bool standsOut(const Rgb& fill, const Background& bg) {
    if (channelDistance(fill, bg.colour) < kMinContrast) return false;
    return bg.kind != BackgroundKind::Gradient || channelDistance(fill, bg.colour2) >= kMinContrast;
}

PixelBox geometricBox(const ShapeGeometry& g) {
    const Extent e = geometricExtent(g);
    return {static_cast<int>(std::floor(g.cx - e.width / 2.0)), static_cast<int>(std::floor(g.cy - e.height / 2.0)),
            static_cast<int>(std::ceil(g.cx + e.width / 2.0)), static_cast<int>(std::ceil(g.cy + e.height / 2.0))};
}

bool apartFromAll(const PixelBox& box, const std::vector<SceneObject>& placed, int gap) {
    return std::all_of(placed.begin(), placed.end(),
                       [&](const SceneObject& other) { return box.apartFrom(other.box, gap); });
}

bool acceptable(const PixelBox& box, const Scene& scene) {
    const int minSide = std::min(scene.width, scene.height);
    return !box.empty() && box.x0 >= 0 && box.y0 >= 0 && box.x1 <= scene.width && box.y1 <= scene.height &&
           box.side() * 100 >= minSide * kMinBoxPercent && box.side() * 100 <= minSide * kMaxBoxPercent &&
           apartFromAll(box, scene.objects, scene.minGap);
}

} // namespace

PlannedScene planScene(std::uint64_t sampleSeed, const SampleLimits& limits) {
    SynthRandom random(sampleSeed);
    PlannedScene planned;
    Scene& scene = planned.scene;
    const int lo = std::clamp(limits.minSide, kMinImageSide, kMaxImageSide);
    const int hi = std::clamp(limits.maxSide, lo, kMaxImageSide);
    scene.width = random.uniformInt(lo, hi);
    scene.height = random.uniformInt(lo, hi);
    scene.background = planBackground(random);
    scene.antialiased = random.chance(0.5);
    scene.minGap = random.uniformInt(0, kMaxBoxGap);
    scene.captionTemplate = static_cast<CaptionTemplate>(random.uniformInt(0, kCaptionTemplateCount - 1));
    const bool jpeg = random.chance(0.5);
    scene.jpeg = limits.format == ImageFormat::Mixed ? jpeg : limits.format == ImageFormat::Jpeg;
    scene.jpegQuality = random.uniformInt(kMinJpegQuality, kMaxJpegQuality);

    const int wanted = random.uniformInt(kMinObjects, kMaxObjects);
    std::vector<int> unusedKinds(kShapeCount * kColourCount);  // shape * kColourCount + colour
    std::iota(unusedKinds.begin(), unusedKinds.end(), 0);
    // A kind that finds no room (or no contrast) is replaced by another, a few times at most.
    for (int kinds = 0; static_cast<int>(scene.objects.size()) < wanted && !unusedKinds.empty() &&
                        (kinds < wanted + 4 || scene.objects.empty());
         ++kinds) {
        const int pick = random.uniformInt(0, static_cast<int>(unusedKinds.size()) - 1);
        const int kind = unusedKinds[static_cast<size_t>(pick)];
        unusedKinds.erase(unusedKinds.begin() + pick);
        const Shape shape = static_cast<Shape>(kind / kColourCount);
        for (int attempt = 0; attempt < kPlacementAttempts; ++attempt) {
            SceneObject object = drawObject(random, scene, shape, kind % kColourCount);
            if (!standsOut(object.fill, scene.background)) continue;
            if (!apartFromAll(geometricBox(object.geometry), scene.objects, scene.minGap)) continue;
            ObjectCoverage coverage = rasteriseObject(object, scene.antialiased);
            object.box = coverageBox(coverage);
            if (!acceptable(object.box, scene)) continue;
            scene.objects.push_back(object);
            planned.coverages.push_back(std::move(coverage));
            break;
        }
    }

    // Caption order: left to right by box centre, then top to bottom.
    std::vector<size_t> order(scene.objects.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        const PixelBox& p = scene.objects[a].box;
        const PixelBox& q = scene.objects[b].box;
        if (p.x0 + p.x1 != q.x0 + q.x1) return p.x0 + p.x1 < q.x0 + q.x1;
        return p.y0 + p.y1 < q.y0 + q.y1;
    });
    PlannedScene sorted;
    sorted.scene = scene;
    sorted.scene.objects.clear();
    for (size_t i : order) {
        sorted.scene.objects.push_back(scene.objects[i]);
        sorted.coverages.push_back(std::move(planned.coverages[i]));
    }
    return sorted;
}

cv::Mat renderScene(const PlannedScene& planned) {
    const Scene& scene = planned.scene;
    cv::Mat image = renderBackground(scene.background, scene.width, scene.height);
    for (size_t i = 0; i < scene.objects.size() && i < planned.coverages.size(); ++i)
        compositeObject(image, planned.coverages[i], scene.objects[i]);
    return image;
}

} // namespace kosmos::synth
