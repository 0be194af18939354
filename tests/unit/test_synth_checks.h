#pragma once
// Checks of the shapes world's GRIT JSONL (docs/synthetic-shapes.md), written apart from the generators so
// that both generator A (C++) and generator B (Python) are held to the same rules.
#include <string>
#include <vector>

namespace synthchecks {

struct CheckedObject {
    std::string spanText;   // "a red circle" as in the caption
    std::string colour;
    std::string shape;
    int x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // the box in pixels (x1, y1 exclusive)
};

struct CheckedRecord {
    std::string key;
    long long id = 0;
    std::string caption;
    std::string image;
    int width = 0;
    int height = 0;
    int captionTemplate = -1;  // 0 "An image of", 1 "A picture showing", 2 bare list
    std::vector<CheckedObject> objects;
};

// The caption the spec's grammar gives for these item phrases (articles already lower case) and template.
std::string expectedCaption(int captionTemplate, const std::vector<std::string>& items,
                            std::vector<std::pair<int, int>>* spans = nullptr);

// Checks one JSONL line; returns "" or the first violation.
std::string checkLine(const std::string& line, CheckedRecord& out);

// Checks a whole output folder: every line, unique keys and ids, image files that decode to width x height.
// Returns "" or the first violation (with the line number).
std::string checkFolder(const std::string& folder, std::vector<CheckedRecord>& out);

// Base sRGB of a colour name, or false.
bool baseColour(const std::string& name, int rgb[3]);

} // namespace synthchecks
