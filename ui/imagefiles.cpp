#include "ui/imagefiles.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImageReader>
#include <QMimeData>
#include <QObject>
#include <QUrl>

#include <algorithm>
#include <cstring>
#include <exception>
#include <limits>

#include "core/media/image_io.h"
#include "core/record_source.h"

namespace kosmos::ui {
namespace {

// Qt's readers' formats and the model's own reader's (readImage falls back to it: TIFF and WebP need a Qt
// plugin that may be missing).
QStringList supportedSuffixes() {
    QStringList suffixes;
    const QList<QByteArray> formats = QImageReader::supportedImageFormats();
    for (const QByteArray& format : formats) {
        const QString suffix = QString::fromLatin1(format).toLower();
        if (suffix != QLatin1String("svg") && suffix != QLatin1String("svgz")) suffixes << suffix;
    }
    for (const char* suffix : kosmos::store::kPairedImageExtensions)
        if (!suffixes.contains(QLatin1String(suffix))) suffixes << QLatin1String(suffix);
    return suffixes;
}

QString tooLargeError(const QString& path, int width, int height) {
    return QObject::tr("%1: image is %2x%3 pixels, larger than %4 on a side")
        .arg(QDir::toNativeSeparators(path))
        .arg(width)
        .arg(height)
        .arg(kMaxImageSide);
}

} // namespace

bool naturalLess(const QString& a, const QString& b) {
    qsizetype i = 0;
    qsizetype j = 0;
    while (i < a.size() && j < b.size()) {
        if (a[i].isDigit() && b[j].isDigit()) {
            qsizetype ie = i;
            qsizetype je = j;
            while (ie < a.size() && a[ie].isDigit()) ++ie;
            while (je < b.size() && b[je].isDigit()) ++je;
            // Compare the numbers without leading zeros: longer is larger, else digit by digit.
            qsizetype is = i;
            qsizetype js = j;
            while (is + 1 < ie && a[is] == QLatin1Char('0')) ++is;
            while (js + 1 < je && b[js] == QLatin1Char('0')) ++js;
            if (ie - is != je - js) return ie - is < je - js;
            const int cmp = QStringView(a).mid(is, ie - is).compare(QStringView(b).mid(js, je - js));
            if (cmp != 0) return cmp < 0;
            i = ie;
            j = je;
            continue;
        }
        const int cmp = QString::compare(QString(a[i]), QString(b[j]), Qt::CaseInsensitive);
        if (cmp != 0) return cmp < 0;
        ++i;
        ++j;
    }
    if ((a.size() - i) != (b.size() - j)) return (a.size() - i) < (b.size() - j);
    return a < b;   // equal ignoring case and zeros: any fixed order
}

ReadImageResult readImage(const QString& path) {
    ReadImageResult result;
    const QString name = QDir::toNativeSeparators(path);
    QFileInfo info(path);
    if (!info.exists()) {
        result.error = QObject::tr("%1: no such file").arg(name);
        return result;
    }
    if (!info.isFile()) {
        result.error = QObject::tr("%1: not a file").arg(name);
        return result;
    }
    if (info.size() == 0) {
        result.error = QObject::tr("%1: empty file").arg(name);
        return result;
    }
    QImageReader reader(path);
    reader.setAutoTransform(true);
    reader.setAllocationLimit(1024);   // MB: a 16k x 16k RGBA image, no more
    const QSize size = reader.size();
    if (size.isValid() && (size.width() > kMaxImageSide || size.height() > kMaxImageSide)) {
        result.error = tooLargeError(path, size.width(), size.height());
        return result;
    }
    if (QString damage = damageBeforeDecoding(path); !damage.isEmpty()) {
        result.error = std::move(damage);
        return result;
    }
    QImage image;
    if (reader.read(&image) && !image.isNull()) {
        result.image = std::move(image);
        return result;
    }
    return readImageWithModelReader(path, QObject::tr("%1: cannot decode image (%2)").arg(name, reader.errorString()),
                                    kosmos::limits::kMaxImagePixels);
}

QString damageBeforeDecoding(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly) || file.size() > static_cast<qint64>(kosmos::limits::kMaxImageFileBytes))
        return {};   // Qt's reader says why
    // Mapped, not read: the pages the checks touch are read once more by the decoder, from the page cache.
    const uchar* bytes = file.size() > 0 ? file.map(0, file.size()) : nullptr;
    if (!bytes) return {};
    const auto size = static_cast<std::size_t>(file.size());
    if (!kosmos::startsLikeReadableImage(bytes, size)) return {};   // Qt's reader says what it is
    try {
        kosmos::ImageLoadLimits structureOnly;   // the size limits are the workbench's own (kMaxImageSide)
        structureOnly.maxPixels = std::numeric_limits<std::uint64_t>::max();
        kosmos::checkImageBytes(bytes, size, QFile::encodeName(path).toStdString(), structureOnly);
    } catch (const std::exception& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

ReadImageResult readImageWithModelReader(const QString& path, const QString& qtError, std::uint64_t maxPixels) {
    ReadImageResult result;
    {
        QFile file(path);
        const QByteArray head = file.open(QIODevice::ReadOnly) ? file.read(16) : QByteArray();
        if (!kosmos::startsLikeReadableImage(head.constData(), static_cast<std::size_t>(head.size()))) {
            result.error = qtError;   // a format this reader does not know either (a damaged GIF)
            return result;
        }
    }
    try {
        kosmos::ImageLoadLimits limits;
        limits.maxPixels = std::min<std::uint64_t>(maxPixels, kosmos::limits::kMaxImagePixels);
        const kosmos::ImageU8 decoded = kosmos::loadImageFile(QFile::encodeName(path).toStdString(), limits);
        if (decoded.width > kMaxImageSide || decoded.height > kMaxImageSide) {
            result.error = tooLargeError(path, decoded.width, decoded.height);
            return result;
        }
        const QImage::Format format = decoded.channels == 1   ? QImage::Format_Grayscale8
                                      : decoded.channels == 4 ? QImage::Format_RGBA8888
                                                              : QImage::Format_RGB888;
        result.image = QImage(decoded.pixels.data(), decoded.width, decoded.height,
                              decoded.width * decoded.channels, format)
                           .copy();
        if (result.image.isNull())
            result.error = QObject::tr("%1: out of memory for a %2x%3 image")
                               .arg(QDir::toNativeSeparators(path))
                               .arg(decoded.width)
                               .arg(decoded.height);
    } catch (const std::exception& e) {
        result.error = QString::fromStdString(e.what());   // "PATH: reason"
    }
    return result;
}

kosmos::ImageU8 toImageU8(const QImage& image) {
    kosmos::ImageU8 out;
    if (image.isNull()) return out;
    QImage source = image;
    // Premultiplied pixels would be darkened by a direct conversion; PIL keeps the straight colour.
    if (source.pixelFormat().premultiplied() == QPixelFormat::Premultiplied)
        source = source.convertToFormat(QImage::Format_ARGB32);
    const QImage rgb = source.convertToFormat(QImage::Format_RGB888);
    out.width = rgb.width();
    out.height = rgb.height();
    out.channels = 3;
    const std::size_t rowBytes = static_cast<std::size_t>(out.width) * 3;
    out.pixels.resize(rowBytes * static_cast<std::size_t>(out.height));
    for (int y = 0; y < out.height; ++y)
        std::memcpy(out.pixels.data() + rowBytes * static_cast<std::size_t>(y), rgb.constScanLine(y), rowBytes);
    return out;
}

bool isImageFileName(const QString& path) {
    static const QStringList suffixes = supportedSuffixes();
    return suffixes.contains(QFileInfo(path).suffix().toLower());
}

QStringList imageFilesInFolder(const QString& folder, int limit) {
    QStringList patterns;
    static const QStringList suffixes = supportedSuffixes();
    for (const QString& suffix : suffixes) patterns << QStringLiteral("*.") + suffix;
    QDir dir(folder);
    QStringList names = dir.entryList(patterns, QDir::Files | QDir::Readable, QDir::NoSort);
    // Suffix matching above is case-insensitive on some platforms only: filter once more.
    names.erase(std::remove_if(names.begin(), names.end(), [](const QString& n) { return !isImageFileName(n); }),
                names.end());
    // QCollator's numeric mode depends on ICU and the locale; this order does not.
    std::sort(names.begin(), names.end(), naturalLess);
    if (names.size() > limit) names = names.mid(0, limit);
    QStringList paths;
    paths.reserve(names.size());
    for (const QString& n : names) paths << dir.absoluteFilePath(n);
    return paths;
}

QString imageDialogFilter() {
    QStringList patterns;
    const QStringList suffixes = supportedSuffixes();
    for (const QString& suffix : suffixes) patterns << QStringLiteral("*.") + suffix;
    return QObject::tr("Images (%1);;All files (*)").arg(patterns.join(QLatin1Char(' ')));
}

QStringList openablePathsFromMimeData(const QMimeData* mime) {
    QStringList paths;
    if (!mime || !mime->hasUrls()) return paths;
    const QList<QUrl> urls = mime->urls();
    for (const QUrl& url : urls) {
        if (!url.isLocalFile()) continue;
        const QString path = url.toLocalFile();
        const QFileInfo info(path);
        if (info.isDir() || (info.isFile() && isImageFileName(path))) paths << info.absoluteFilePath();
    }
    return paths;
}

} // namespace kosmos::ui
