#include "app/cli/commands.h"

namespace kosmos::cli {

void registerAll(CLI::App& app) {
    // commands register here, one line each
}

} // namespace kosmos::cli
