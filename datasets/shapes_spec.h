#pragma once
// The synthetic "shapes" world (docs/synthetic-shapes.md): every name and range a generator of it uses.
#include <array>
#include <cstdint>
#include <string_view>

namespace kosmos::synth {

enum class Shape { Circle, Square, Triangle, Star, Diamond, Hexagon };
inline constexpr int kShapeCount = 6;
inline constexpr std::array<std::string_view, kShapeCount> kShapeNames = {
    "circle", "square", "triangle", "star", "diamond", "hexagon"};

struct Rgb {
    std::uint8_t r = 0;
    std::uint8_t g = 0;
    std::uint8_t b = 0;
};

struct NamedColour {
    std::string_view name;
    Rgb rgb;
};
inline constexpr int kColourCount = 8;
inline constexpr std::array<NamedColour, kColourCount> kColours = {{
    {"red", {220, 30, 30}},
    {"green", {30, 160, 60}},
    {"blue", {30, 70, 220}},
    {"yellow", {240, 210, 30}},
    {"orange", {245, 130, 20}},
    {"purple", {130, 50, 180}},
    {"pink", {245, 120, 180}},
    {"black", {25, 25, 25}},
}};

inline constexpr int kMinImageSide = 224;
inline constexpr int kMaxImageSide = 640;
inline constexpr int kMinObjects = 1;
inline constexpr int kMaxObjects = 5;
inline constexpr int kColourJitter = 25;           // per channel, either way
inline constexpr int kMinBackgroundChannel = 150;  // before noise
inline constexpr int kMaxNoiseAmplitude = 40;
inline constexpr int kMaxBoxGap = 4;               // boxes keep at least this chosen gap (0..4 px)
inline constexpr int kMinBoxPercent = 10;          // box side vs min(width, height)
inline constexpr int kMaxBoxPercent = 50;
inline constexpr double kMaxEllipseAspect = 1.3;
inline constexpr double kMaxRotationDegrees = 30.0;
inline constexpr int kMinJpegQuality = 70;
inline constexpr int kMaxJpegQuality = 95;

enum class CaptionTemplate { AnImageOf, APictureShowing, BareList };
inline constexpr int kCaptionTemplateCount = 3;

inline bool isRotatable(Shape shape) {
    return shape == Shape::Square || shape == Shape::Triangle || shape == Shape::Star || shape == Shape::Hexagon;
}

inline std::string_view shapeName(Shape shape) { return kShapeNames[static_cast<int>(shape)]; }

} // namespace kosmos::synth
