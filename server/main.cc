// gitgate: the SSH node of a Git host behind a PROXY-protocol load balancer.
//   gitgate serve --config FILE          run the server (foreground; logs to stderr)
//   gitgate check-config --config FILE   validate; exit 0, or print each error and exit 2
#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <system_error>
#include <variant>

#include "logging/diagnostics.h"
#include "server/config.h"
#include "server/server.h"

namespace {

using gitgate::server::kExitConfigError;

int serve(const std::filesystem::path& config_path, const std::string& log_level) {
  if (!gitgate::logging::init_diagnostics(log_level)) {
    std::cerr << "gitgate: unknown log level '" << log_level << "'\n";
    return kExitConfigError;
  }
  auto loaded = gitgate::server::load_config(config_path);
  if (auto* errors = std::get_if<std::vector<gitgate::server::ConfigError>>(&loaded)) {
    for (const gitgate::server::ConfigError& error : *errors) {
      std::cerr << config_path.string();
      if (error.line > 0) {
        std::cerr << ':' << error.line;
      }
      std::cerr << ": " << error.message << '\n';
    }
    return kExitConfigError;
  }
  // Absolute: SIGHUP reads it again, whatever the working directory is by then.
  std::error_code ec;
  const std::filesystem::path absolute = std::filesystem::absolute(config_path, ec);
  return gitgate::server::run_server(std::move(std::get<gitgate::server::Config>(loaded)),
                                     ec ? config_path : absolute);
}

int check_config(const std::filesystem::path& config_path) {
  std::ostringstream report;
  const int exit_code = gitgate::server::check_config(config_path, report);
  (exit_code == 0 ? std::cout : std::cerr) << report.str() << std::flush;
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"gitgate: an SSH front-end for a Git host behind a layer-4 load balancer"};
  app.require_subcommand(1);

  std::string config_path;
  std::string log_level = "info";
  CLI::App* serve_command =
      app.add_subcommand("serve", "Run the server in the foreground (diagnostics on stderr)");
  serve_command->add_option("-c,--config", config_path, "gitgate.toml")->required();
  serve_command->add_option("--log-level", log_level, "trace, debug, info, warn, error or off");

  CLI::App* check_command = app.add_subcommand("check-config", "Validate the configuration");
  check_command->add_option("-c,--config", config_path, "gitgate.toml")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // --help is a "parse error" that exits 0; real usage errors are configuration errors.
    return app.exit(error) == 0 ? 0 : kExitConfigError;
  }
  if (*serve_command) {
    return serve(config_path, log_level);
  }
  return check_config(config_path);
}
