#pragma once
// Where a run over a folder keeps each image's result: in the annotation store as a model
// annotation (saved on the generation worker through its own connection to the store file), and as
// "<image>.kosmos2.json" beside the image. Without a store the JSON file is the only copy and a
// failure to write it is the job's error; with one, the JSON file is written where the folder allows.
#include <QString>

#include "ui/inference/generationrunner.h"

namespace kosmos::ui {

// `storeFile` empty: no store. `checkpoint`: the model's name recorded with each entity.
GenerationRunner::ResultSink folderRunSink(const QString& storeFile, const QString& checkpoint);

} // namespace kosmos::ui
