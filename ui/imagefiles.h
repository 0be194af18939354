#pragma once
// Image files as the workbench sees them: bounded decoding, folder listings, dropped or pasted data,
// and the conversion to the engine's 8-bit RGB buffer.
#include <QImage>
#include <QString>
#include <QStringList>

#include "model/image_processor.h"

#include <cstdint>

class QMimeData;

namespace kosmos::ui {

struct ReadImageResult {
    QImage image;        // null on failure
    QString error;       // one line naming the file and the reason
};

// Decodes with Qt's readers (applying EXIF orientation), else with the command line's reader
// (core/media: TIFF or WebP without Qt's plugin, and the reason a damaged file fails); refuses images over
// kMaxImageSide or the allocation limit. Never throws.
ReadImageResult readImage(const QString& path);
// The command line's reader alone, for what Qt's readers fail on: formats without a Qt plugin, and the
// reason a damaged file fails (which part of it, where). Images over `maxPixels` (decoded memory) or
// kMaxImageSide are refused; `qtError` is the error where this reader does not know the format either.
// Never throws.
ReadImageResult readImageWithModelReader(const QString& path, const QString& qtError, std::uint64_t maxPixels);
// The damage the command line's reader finds in a file before decoding it ("PATH: reason"), or "" where it finds
// none or does not read the format: checked before Qt decodes, which would name it only on stderr.
QString damageBeforeDecoding(const QString& path);
inline constexpr int kMaxImageSide = 20000;

// PIL convert("RGB") semantics: alpha dropped without compositing, grey replicated.
kosmos::ImageU8 toImageU8(const QImage& image);

bool isImageFileName(const QString& path);
// Image files directly inside `folder`, natural sort order ("img2" before "img10"), at most `limit`.
QStringList imageFilesInFolder(const QString& folder, int limit = 10000);
// Natural order of file names: "img2" < "img10", case-insensitive.
bool naturalLess(const QString& a, const QString& b);
// "Images (*.png *.jpg ...)" for file dialogs.
QString imageDialogFilter();

// Local image files and folders among dropped/pasted URLs (what a drop on the canvas may open).
QStringList openablePathsFromMimeData(const QMimeData* mime);

} // namespace kosmos::ui
