// Renders the application's SVG icon into PNG files of given sizes for the hicolor icon theme:
//   kosmos2-render-icon ICON.svg SIZE OUT.png [SIZE OUT.png ...]
// Uses Qt's SVG image plugin, so the build needs no separate SVG tool.
#include <QCoreApplication>
#include <QImage>
#include <QImageReader>
#include <QString>

#include <cstdio>

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    const QStringList args = QCoreApplication::arguments();
    if (args.size() < 4 || (args.size() - 2) % 2 != 0) {
        std::fprintf(stderr, "usage: kosmos2-render-icon ICON.svg SIZE OUT.png [SIZE OUT.png ...]\n");
        return 2;
    }
    const QString svg = args.at(1);
    for (int i = 2; i + 1 < args.size(); i += 2) {
        bool ok = false;
        const int size = args.at(i).toInt(&ok);
        if (!ok || size < 1 || size > 4096) {
            std::fprintf(stderr, "kosmos2-render-icon: %s: not a size in 1-4096\n", qUtf8Printable(args.at(i)));
            return 2;
        }
        QImageReader reader(svg, "svg");
        reader.setScaledSize(QSize(size, size));
        const QImage image = reader.read();
        if (image.isNull() || image.size() != QSize(size, size)) {
            std::fprintf(stderr, "kosmos2-render-icon: %s: cannot render at %dx%d (%s; is Qt's SVG image plugin, "
                                 "libqt6svg6, installed?)\n",
                         qUtf8Printable(svg), size, size, qUtf8Printable(reader.errorString()));
            return 1;
        }
        const QString out = args.at(i + 1);
        if (!image.convertToFormat(QImage::Format_ARGB32).save(out, "PNG")) {
            std::fprintf(stderr, "kosmos2-render-icon: %s: cannot write\n", qUtf8Printable(out));
            return 1;
        }
    }
    return 0;
}
