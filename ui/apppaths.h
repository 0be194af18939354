#pragma once
// Where the workbench finds what ships with it.
#include <QString>

namespace kosmos::ui {

// The bundled demo model: <exe dir>/../share/kosmos2/demo-model when installed, else the source tree's
// resources/demo-model. Empty when neither holds a config.json.
QString demoModelFolder();

// The synthetic sample images offered on first start: <exe dir>/../share/kosmos2/samples/images when
// installed, else the source tree's datasets/samples/images. Empty when neither holds an image.
QString sampleImagesFolder();

// The annotation store used when none was chosen: <AppDataLocation>/annotations.sqlite (the folder
// is created when missing; the file is created by the store on first open).
QString defaultStorePath();

// True when `path` lies in what ships with the program (<exe dir>/../share/kosmos2 when installed, the source
// tree's datasets/samples and resources otherwise): the workbench writes nothing there.
bool isShippedDataPath(const QString& path);

// Where results of images whose folder cannot take them (read-only, or shipped data) are kept:
// <AppDataLocation>/results. Empty when there is no data location.
QString resultsFolder();

} // namespace kosmos::ui
