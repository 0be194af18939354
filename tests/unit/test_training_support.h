#pragma once
// Shared by the training tests: a tiny synthetic shapes dataset drawn without OpenCV (filled rectangles
// saved as PNG) and written as GRIT JSONL, and the fixture model's folder.
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/media/image_io.h"
#include "model/grounding.h"

namespace kosmos::testing {

inline std::string fixtureModel() { return std::string(KOSMOS_TEST_DATA_DIR) + "/kosmos2-tiny"; }

struct ShapeSample {
    std::string colour;
    std::uint8_t rgb[3];
    std::string shape;
    Box box;   // normalised
};

inline ImageU8 drawImage(int width, int height, const std::vector<ShapeSample>& objects) {
    ImageU8 image;
    image.width = width;
    image.height = height;
    image.channels = 3;
    image.pixels.assign(static_cast<std::size_t>(width) * height * 3, 235);
    for (const auto& o : objects) {
        const int x0 = static_cast<int>(std::lround(o.box[0] * width)), x1 = static_cast<int>(std::lround(o.box[2] * width));
        const int y0 = static_cast<int>(std::lround(o.box[1] * height)), y1 = static_cast<int>(std::lround(o.box[3] * height));
        for (int y = y0; y < y1; ++y)
            for (int x = x0; x < x1; ++x)
                for (int c = 0; c < 3; ++c) image.pixels[(static_cast<std::size_t>(y) * width + x) * 3 + c] = o.rgb[c];
    }
    return image;
}

// One GRIT record per image: caption "An image of a red square and a blue circle." with its noun chunks.
inline nlohmann::json gritRecord(const std::string& key, const std::string& imageName, int width, int height,
                                 const std::vector<ShapeSample>& objects) {
    std::string caption = "An image of ";
    nlohmann::json chunks = nlohmann::json::array();
    for (std::size_t i = 0; i < objects.size(); ++i) {
        if (i) caption += i + 1 == objects.size() ? " and " : ", ";
        const std::string article = std::string("aeiou").find(objects[i].colour[0]) != std::string::npos ? "an " : "a ";
        const std::string phrase = article + objects[i].colour + " " + objects[i].shape;
        const int start = static_cast<int>(caption.size());
        caption += phrase;
        const Box& b = objects[i].box;
        chunks.push_back({start, static_cast<int>(caption.size()), b[0], b[1], b[2], b[3], 1.0});
    }
    caption += ".";
    return {{"key", key},          {"id", 0},        {"url", ""},         {"caption", caption}, {"width", width},
            {"height", height},    {"noun_chunks", chunks}, {"ref_exps", chunks}, {"image", imageName}};
}

inline const std::vector<std::pair<std::string, std::vector<std::uint8_t>>>& colours() {
    static const std::vector<std::pair<std::string, std::vector<std::uint8_t>>> table = {
        {"red", {220, 30, 30}},     {"green", {30, 160, 60}},  {"blue", {30, 70, 220}},  {"yellow", {240, 210, 30}},
        {"orange", {245, 130, 20}}, {"purple", {130, 50, 180}}, {"pink", {245, 120, 180}}, {"black", {25, 25, 25}}};
    return table;
}

// `count` images of side `size`, one object each (a distinct colour + shape name per image, boxes spread
// over the image), written as DIR/images/NNN.png and DIR/data.jsonl. Returns the JSONL path.
inline std::string writeShapesDataset(const std::string& dir, int count, int size = 224, std::uint32_t seed = 1) {
    const std::vector<std::string> shapes = {"square", "circle", "triangle"};
    std::filesystem::create_directories(dir + "/images");
    std::ofstream out(dir + "/data.jsonl");
    std::uint32_t state = seed;
    const auto next = [&] {
        state = state * 1664525u + 1013904223u;
        return static_cast<double>(state >> 8) / 16777216.0;
    };
    for (int i = 0; i < count; ++i) {
        ShapeSample s;
        const auto& colour = colours()[i % colours().size()];
        s.colour = colour.first;
        for (int c = 0; c < 3; ++c) s.rgb[c] = colour.second[c];
        s.shape = shapes[(i / colours().size()) % shapes.size()];
        const double side = 0.25 + 0.2 * next();
        // Pixel-aligned, so the box is the tight box of the drawn pixels.
        const int x0 = static_cast<int>(next() * (1.0 - side) * size), y0 = static_cast<int>(next() * (1.0 - side) * size);
        const int w = static_cast<int>(side * size);
        s.box = {double(x0) / size, double(y0) / size, double(x0 + w) / size, double(y0 + w) / size};
        const std::string name = "images/" + std::to_string(1000 + i).substr(1) + ".png";
        saveImagePng(dir + "/" + name, drawImage(size, size, {s}));
        out << gritRecord("sample-" + std::to_string(i), name, size, size, {s}).dump() << "\n";
    }
    return dir + "/data.jsonl";
}

} // namespace kosmos::testing
