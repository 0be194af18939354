#include "test_synth_checks.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

namespace synthchecks {
namespace {

const std::vector<std::string> kShapes = {"circle", "square", "triangle", "star", "diamond", "hexagon"};
const std::vector<std::pair<std::string, std::vector<int>>> kColourTable = {
    {"red", {220, 30, 30}},     {"green", {30, 160, 60}},  {"blue", {30, 70, 220}},  {"yellow", {240, 210, 30}},
    {"orange", {245, 130, 20}}, {"purple", {130, 50, 180}}, {"pink", {245, 120, 180}}, {"black", {25, 25, 25}}};
const char* kPrefixes[3] = {"An image of ", "A picture showing ", ""};

bool isColour(const std::string& s) {
    for (const auto& c : kColourTable)
        if (c.first == s) return true;
    return false;
}

bool isShape(const std::string& s) {
    for (const auto& c : kShapes)
        if (c == s) return true;
    return false;
}

// Pixel edge from a normalised coordinate; false when it is not on the pixel grid.
bool toPixel(double normalised, int size, int& pixel) {
    const double scaled = normalised * size;
    pixel = static_cast<int>(std::lround(scaled));
    return std::fabs(scaled - pixel) < 0.01;
}

std::string fail(const std::string& what) { return what; }

} // namespace

bool baseColour(const std::string& name, int rgb[3]) {
    for (const auto& c : kColourTable) {
        if (c.first != name) continue;
        for (int i = 0; i < 3; ++i) rgb[i] = c.second[static_cast<size_t>(i)];
        return true;
    }
    return false;
}

std::string expectedCaption(int captionTemplate, const std::vector<std::string>& items,
                            std::vector<std::pair<int, int>>* spans) {
    std::string text = kPrefixes[captionTemplate];
    for (size_t i = 0; i < items.size(); ++i) {
        if (i > 0) text += (i + 1 == items.size()) ? " and " : ", ";
        std::string item = items[i];
        if (text.empty() && !item.empty()) item[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(item[0])));
        if (spans) spans->push_back({static_cast<int>(text.size()), static_cast<int>(text.size() + item.size())});
        text += item;
    }
    return text + ".";
}

std::string checkLine(const std::string& line, CheckedRecord& out) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(line);
    } catch (const std::exception& e) {
        return fail(std::string("not JSON: ") + e.what());
    }
    if (!j.is_object()) return "not an object";
    for (const char* field : {"key", "id", "url", "caption", "width", "height", "noun_chunks", "ref_exps", "image"})
        if (!j.contains(field)) return std::string("missing field ") + field;
    if (!j["key"].is_string() || j["key"].get<std::string>().empty()) return "key is not a non-empty string";
    if (!j["id"].is_number_integer()) return "id is not an integer";
    if (!j["url"].is_string() || !j["url"].get<std::string>().empty()) return "url is not \"\"";
    if (!j["caption"].is_string()) return "caption is not a string";
    if (!j["width"].is_number_integer() || !j["height"].is_number_integer()) return "width/height not integers";
    if (!j["image"].is_string()) return "image is not a string";
    out.key = j["key"];
    out.id = j["id"];
    out.caption = j["caption"];
    out.width = j["width"];
    out.height = j["height"];
    out.image = j["image"];
    if (out.width < 224 || out.width > 640 || out.height < 224 || out.height > 640)
        return "image size " + std::to_string(out.width) + "x" + std::to_string(out.height) + " outside 224..640";
    const std::string ext = out.image.size() > 4 ? out.image.substr(out.image.size() - 4) : "";
    if (ext != ".png" && ext != ".jpg") return "image " + out.image + " is not .png or .jpg";
    if (out.image.front() == '/' || out.image.find("..") != std::string::npos) return "image path not relative";
    if (j["noun_chunks"] != j["ref_exps"]) return "ref_exps differ from noun_chunks";
    const nlohmann::json& chunks = j["noun_chunks"];
    if (!chunks.is_array() || chunks.size() < 1 || chunks.size() > 5)
        return "noun_chunks must hold 1..5 entries";

    const int minSide = std::min(out.width, out.height);
    std::vector<std::string> items;
    std::vector<std::pair<int, int>> spans;
    std::set<std::string> kinds;
    for (size_t i = 0; i < chunks.size(); ++i) {
        const nlohmann::json& e = chunks[i];
        const std::string where = "noun_chunks[" + std::to_string(i) + "]: ";
        if (!e.is_array() || e.size() != 7) return where + "not 7 values";
        if (!e[0].is_number_integer() || !e[1].is_number_integer()) return where + "span not integers";
        for (int k = 2; k < 7; ++k)
            if (!e[static_cast<size_t>(k)].is_number()) return where + "box not numbers";
        const int start = e[0], end = e[1];
        if (start < 0 || end <= start || end > static_cast<int>(out.caption.size())) return where + "span outside caption";
        if (e[6].get<double>() != 1.0) return where + "confidence is not 1.0";
        CheckedObject object;
        object.spanText = out.caption.substr(static_cast<size_t>(start), static_cast<size_t>(end - start));
        std::istringstream words(object.spanText);
        std::string article, extra;
        words >> article >> object.colour >> object.shape;
        if (words >> extra) return where + "span \"" + object.spanText + "\" has more than three words";
        if (object.spanText != article + " " + object.colour + " " + object.shape)
            return where + "span \"" + object.spanText + "\" is not 'article colour shape'";
        if (!isColour(object.colour)) return where + "unknown colour in \"" + object.spanText + "\"";
        if (!isShape(object.shape)) return where + "unknown shape in \"" + object.spanText + "\"";
        const bool vowel = std::string("aeiou").find(object.colour[0]) != std::string::npos;
        std::string lowerArticle = article;
        lowerArticle[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(lowerArticle[0])));
        if (lowerArticle != (vowel ? "an" : "a")) return where + "wrong article in \"" + object.spanText + "\"";
        if (!kinds.insert(object.colour + " " + object.shape).second)
            return where + "colour and shape repeated: " + object.colour + " " + object.shape;
        items.push_back(lowerArticle + " " + object.colour + " " + object.shape);
        spans.push_back({start, end});

        const double x0 = e[2], y0 = e[3], x1 = e[4], y1 = e[5];
        if (!(0.0 <= x0 && x0 < x1 && x1 <= 1.0 && 0.0 <= y0 && y0 < y1 && y1 <= 1.0))
            return where + "box not inside [0,1] with x0<x1, y0<y1";
        if (!toPixel(x0, out.width, object.x0) || !toPixel(x1, out.width, object.x1) ||
            !toPixel(y0, out.height, object.y0) || !toPixel(y1, out.height, object.y1))
            return where + "box edges not on the pixel grid";
        const int side = std::max(object.x1 - object.x0, object.y1 - object.y0);
        if (side * 10 < minSide || side * 2 > minSide)
            return where + "box side " + std::to_string(side) + " px outside 10..50% of " + std::to_string(minSide);
        out.objects.push_back(object);
    }
    for (size_t a = 0; a < out.objects.size(); ++a) {
        for (size_t b = a + 1; b < out.objects.size(); ++b) {
            const CheckedObject& p = out.objects[a];
            const CheckedObject& q = out.objects[b];
            const bool apart = p.x1 <= q.x0 || q.x1 <= p.x0 || p.y1 <= q.y0 || q.y1 <= p.y0;
            if (!apart) return "boxes of \"" + p.spanText + "\" and \"" + q.spanText + "\" overlap";
        }
        if (a > 0 && out.objects[a - 1].x0 + out.objects[a - 1].x1 > out.objects[a].x0 + out.objects[a].x1)
            return "objects not listed left to right by box centre";
    }
    for (int t = 0; t < 3; ++t) {
        std::vector<std::pair<int, int>> expectedSpans;
        if (expectedCaption(t, items, &expectedSpans) == out.caption) {
            if (expectedSpans != spans) return "spans do not index the items of the caption";
            out.captionTemplate = t;
            return "";
        }
    }
    return "caption \"" + out.caption + "\" follows no template";
}

std::string checkFolder(const std::string& folder, std::vector<CheckedRecord>& out) {
    std::ifstream in(folder + "/annotations.jsonl", std::ios::binary);
    if (!in) return folder + "/annotations.jsonl missing";
    std::set<std::string> keys;
    std::set<long long> ids;
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
        ++number;
        const std::string where = "line " + std::to_string(number) + ": ";
        CheckedRecord record;
        const std::string problem = checkLine(line, record);
        if (!problem.empty()) return where + problem;
        if (!keys.insert(record.key).second) return where + "duplicate key " + record.key;
        if (!ids.insert(record.id).second) return where + "duplicate id " + std::to_string(record.id);
        const cv::Mat image = cv::imread(folder + "/" + record.image, cv::IMREAD_UNCHANGED);
        if (image.empty()) return where + "image " + record.image + " does not decode";
        if (image.cols != record.width || image.rows != record.height || image.channels() != 3)
            return where + "image " + record.image + " is not an RGB image of width x height";
        out.push_back(record);
    }
    if (number == 0) return "no records";
    return "";
}

} // namespace synthchecks
