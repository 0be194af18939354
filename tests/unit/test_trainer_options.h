#pragma once
// Trainer options shared by the training fault tests: full fine-tuning of the fixture model (the largest
// checkpoint: weights and AdamW's moments), batch 2, seed 5, one thread.
#include <string>

#include "test_training_support.h"
#include "training/trainer.h"

namespace kosmos::testing {

inline training::TrainerOptions fullTrainingOptions(const std::string& data, const std::string& out) {
    training::TrainerOptions o;
    o.modelDir = fixtureModel();
    o.dataPath = data;
    o.outDir = out;
    o.mode = "full";
    o.batchSize = 2;
    o.seed = 5;
    o.threads = 1;
    o.blasThreads = 1;
    return o;
}

} // namespace kosmos::testing
