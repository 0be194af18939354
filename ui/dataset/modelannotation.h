#pragma once
// A model's result as a store annotation: one sample per image and prompt, whose caption is the
// generated caption and whose entities are the model's boxes, one entity per box carrying that box's
// confidence (GRIT, too, lists one entry per box).
#include <QString>

#include <cstdint>
#include <string>
#include <vector>

#include "core/sample.h"
#include "core/store.h"
#include "model/engine/engine.h"

namespace kosmos::ui {

struct ModelAnnotation {
    QString imagePath;                 // an image file
    QString prompt;
    QString checkpoint;                // the model's name: its folder's name
    kosmos::GenerationResult result;
};

// The key of the model's sample for an image and a prompt: "<file stem>-<first 10 hex digits of the
// SHA-256 of the absolute path and the prompt>"; stable across runs, readable in a list.
std::string modelSampleKey(const QString& imagePath, const QString& prompt);

// The result's boxes as store entities (source Model with checkpoint and prompt); a span or box the
// store would refuse is left out.
std::vector<kosmos::store::EntityRecord> modelEntities(const kosmos::GenerationResult& result,
                                                       const std::string& checkpoint, const std::string& prompt);

// Stores the annotation in one transaction and returns the sample's id. A sample stored before for
// the same image and prompt is updated: with the same caption the checkpoint's entities are replaced
// and all others stay; with another caption it is rewritten. A sample a person has worked on (a
// review state other than unreviewed, or entities of a person) is never changed: saving the same
// prediction again is a no-op, a different one throws kosmos::Error naming the sample. Also throws
// when the image cannot be read or the store cannot be written.
std::int64_t saveModelAnnotation(kosmos::store::AnnotationStore& store, const ModelAnnotation& annotation);

} // namespace kosmos::ui
