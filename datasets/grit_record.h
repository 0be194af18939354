#pragma once
// One line of the generated GRIT JSONL: key, id, url, caption, width, height, noun_chunks, ref_exps, image.
#include <cstdint>
#include <string>
#include <vector>

namespace kosmos::synth {

// [start, end, x0, y0, x1, y1, 1.0]: caption span and box normalised by the image size.
struct GritEntity {
    int start = 0;
    int end = 0;
    double x0 = 0.0;
    double y0 = 0.0;
    double x1 = 0.0;
    double y1 = 0.0;
};

struct GritRecord {
    std::string key;
    std::int64_t id = 0;
    std::string url;
    std::string caption;
    int width = 0;
    int height = 0;
    std::vector<GritEntity> entities;  // written as both noun_chunks and ref_exps
    std::string image;                 // path relative to the JSONL file
};

// Coordinates are rounded to 6 decimals (well below a pixel of the largest image).
double roundCoordinate(double value);

// The record as one compact JSON line, without the newline.
std::string gritJsonLine(const GritRecord& record);

} // namespace kosmos::synth
