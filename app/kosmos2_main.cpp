// kosmos2: every job of the workbench, headless.
#include <csignal>
#include <cstdio>
#include <exception>
#include <string>

#include "app/cli/commands.h"
#include "model/engine/runtime_info.h"
#include "model/error.h"

#ifndef KOSMOS_VERSION
#define KOSMOS_VERSION "dev"
#endif

namespace {

// "kosmos2 db export": the command being run, as far as it was parsed.
std::string commandOf(const CLI::App* root) {
    std::string command = "kosmos2";
    for (const CLI::App* sub = root; !sub->get_subcommands().empty();) {
        sub = sub->get_subcommands().front();
        command += " " + sub->get_name();
    }
    return command;
}

// A usage error: the command it belongs to, and where its help is.
std::string usageMessage(const CLI::App* root, const std::string& message) {
    const std::string command = commandOf(root);
    return command + ": " + message + "\n'" + command + " --help' lists its options.\n";
}

} // namespace

int main(int argc, char** argv) {
    kosmos::ensurePassiveOpenMP(argv);
    kosmos::configureThreads();   // one per core, where LibTorch alone may count fewer
    // Past a file-size limit (ulimit -f) a write then fails with EFBIG and is reported, instead of killing us.
    std::signal(SIGXFSZ, SIG_IGN);
    CLI::App app{"kosmos2 - grounded multimodal language model KOSMOS-2: generate, render, annotate, train, evaluate"};
    app.require_subcommand(1);
    app.set_version_flag("--version", [] {
        const kosmos::RuntimeInfo info = kosmos::runtimeInfo();
        std::string text = std::string("kosmos2 ") + KOSMOS_VERSION + "\nLibTorch " + info.torchVersion + "\ndevices:";
        for (const auto& device : info.devices) text += " " + device;
        text += "\nBLAS: " + info.blas;
        text += "\nthreads: " + std::to_string(info.intraOpThreads) + " intra-op, " +
                std::to_string(info.interOpThreads) + " inter-op, " +
                (info.blasThreads > 0 ? "OpenBLAS " + std::to_string(info.blasThreads) + ", " : std::string()) +
                "OMP_WAIT_POLICY=" +
                (info.ompWaitPolicy.empty() ? std::string("(unset)") : info.ompWaitPolicy);
        return text;
    });
    // "kosmos2 generate: --dtype: must be ...": the command a usage error belongs to, and where its help is.
    app.failure_message([](const CLI::App* root, const CLI::Error& e) { return usageMessage(root, e.what()); });
    kosmos::cli::registerAll(app);
    // CLI11 would answer a mistyped command with "A subcommand is required".
    if (argc > 1 && argv[1][0] != '-') {
        try {
            app.get_subcommand(argv[1]);
        } catch (const CLI::OptionNotFound&) {
            std::fprintf(stderr, "kosmos2: unknown command '%s' (kosmos2 --help lists the commands)\n", argv[1]);
            return 2;
        }
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);   // prints help, the version or the usage error
        return code == 0 ? 0 : 2;       // one status for every usage error, as the manual says
    } catch (const kosmos::cli::CommandError& e) {
        if (e.code == 2) std::fputs(usageMessage(&app, e.message).c_str(), stderr);
        else std::fprintf(stderr, "kosmos2: %s\n", e.message.c_str());
        return e.code;
    } catch (const kosmos::Error& e) {
        std::fprintf(stderr, "kosmos2: %s\n", e.what());
        return 1;
    } catch (const std::exception& e) {
        // LibTorch errors carry a backtrace after the first line: users get the first line.
        const std::string message = e.what();
        std::fprintf(stderr, "kosmos2: %s\n", message.substr(0, message.find('\n')).c_str());
        return 1;
    }
    return 0;
}
