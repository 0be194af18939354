#pragma once
// Every QSettings key of the workbench (organisation "Kosmos2Workbench").
#include <QLatin1String>

namespace kosmos::ui::settingskeys {

inline constexpr QLatin1String kOrganization{"Kosmos2Workbench"};
inline constexpr QLatin1String kApplication{"kosmos2-workbench"};

inline constexpr QLatin1String kWindowGeometry{"window/geometry"};
inline constexpr QLatin1String kWindowState{"window/state"};

inline constexpr QLatin1String kRecentImages{"recent/images"};
inline constexpr QLatin1String kRecentModels{"recent/models"};
inline constexpr QLatin1String kLastImageDir{"paths/lastImageDir"};
inline constexpr QLatin1String kLastExportDir{"paths/lastExportDir"};
inline constexpr QLatin1String kLastDatasetDir{"paths/lastDatasetDir"};

inline constexpr QLatin1String kStorePath{"store/path"};
inline constexpr QLatin1String kRecentStores{"recent/stores"};

inline constexpr QLatin1String kModelFolder{"model/folder"};
inline constexpr QLatin1String kModelDevice{"model/device"};
inline constexpr QLatin1String kModelDtype{"model/dtype"};

inline constexpr QLatin1String kPromptTask{"prompt/task"};
inline constexpr QLatin1String kPromptText{"prompt/text"};
inline constexpr QLatin1String kConstrainedGrounding{"generation/constrainedGrounding"};
inline constexpr QLatin1String kSettingsExpanded{"generation/expanded"};

inline constexpr QLatin1String kHideLowConfidence{"results/hideLowConfidence"};
inline constexpr QLatin1String kConfidenceThreshold{"results/threshold"};
inline constexpr QLatin1String kShowHeatmap{"results/showHeatmap"};

} // namespace kosmos::ui::settingskeys
