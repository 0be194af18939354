// kosmos2-engine: the engine-only program for machines that have just a LibTorch (e.g. a pip CUDA torch).
#include <cstdio>
#include <string>

#include "app/cli/commands.h"
#include "model/engine/runtime_info.h"
#include "model/error.h"

int main(int argc, char** argv) {
    kosmos::ensurePassiveOpenMP(argv);
    kosmos::configureThreads();   // one per core, where LibTorch alone may count fewer
    CLI::App app{"kosmos2-engine - KOSMOS-2 engine benchmark"};
    app.require_subcommand(1);
    kosmos::cli::addBenchCommand(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    } catch (const kosmos::cli::CommandError& e) {
        std::fprintf(stderr, "kosmos2-engine: %s\n", e.message.c_str());
        return e.code;
    } catch (const std::exception& e) {
        // LibTorch errors carry a backtrace after the first line: users get the first line.
        const std::string message = e.what();
        std::fprintf(stderr, "kosmos2-engine: %s\n", message.substr(0, message.find('\n')).c_str());
        return 1;
    }
    return 0;
}
