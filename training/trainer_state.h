#pragma once
// trainer_state.json (step, the options that shape the run, the loss history) and
// trainer_state.safetensors (AdamW's moments by parameter name) inside a checkpoint folder.
#include <ATen/ATen.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "training/trainer.h"

namespace kosmos::training {

inline constexpr const char* kTrainerStateJson = "trainer_state.json";
inline constexpr const char* kTrainerStateTensors = "trainer_state.safetensors";

struct TrainerState {
    std::int64_t step = 0;
    std::int64_t totalSteps = 0;
    std::string baseModel;                // absolute path of the base model folder
    std::string data;                     // where the records came from: a JSONL path or a database
    std::optional<StoreQuery> store;      // the database query, when the records came from the store
    std::size_t records = 0;
    std::vector<double> losses;           // every step so far
    TrainerOptions options;               // the run-shaping fields (mode, LoRA, optimisation, data, seed)
    std::map<std::string, at::Tensor> optimizer;
};

// Writes both files into `dir`.
void writeTrainerState(const std::string& dir, const TrainerState& state);
// Reads them back; the returned options hold the stored run-shaping fields over defaults.
// Throws kosmos::Error naming the file when it is missing or malformed.
TrainerState readTrainerState(const std::string& dir);

// Copies the fields that decide what a step computes (mode, LoRA, optimisation, data, seed) from `from`.
void copyRunShapingOptions(const TrainerOptions& from, TrainerOptions& to);
// The run-shaping settings `given` asks for that a resume from a checkpoint saved with `saved` does not use:
// "batch_size 4 (not 8)", one per setting in given.givenSettings (or, where that is empty, set away from its
// default) whose value differs from the saved one.
std::vector<std::string> settingsKeptOnResume(const TrainerOptions& given, const TrainerOptions& saved);

} // namespace kosmos::training
