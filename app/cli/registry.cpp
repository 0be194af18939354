#include "app/cli/commands.h"

namespace kosmos::cli {

void registerAll(CLI::App& app) {
    // commands register here, one line each
    addGenerateCommand(app);
    addDumpCommand(app);
    addRenderCommand(app);
    addBenchCommand(app);
    addPostprocessCommand(app);
    addTokenizeCommand(app);
    addDbCommand(app);
    addSynthCommand(app);
    addTrainCommand(app);
    addEvalCommand(app);
    addInitCommand(app);
}

} // namespace kosmos::cli
