#include "logging/diagnostics.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <array>
#include <memory>
#include <utility>

namespace gitgate::logging {
namespace {

// Local time like the access log, so the two logs line up; level names as operators know them
// from Bitbucket's logback lines (spdlog's own %l says "warning" and "critical").
constexpr std::string_view kPattern = "%Y-%m-%d %H:%M:%S,%e %* %v";

class LevelFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm& /*time*/,
              spdlog::memory_buf_t& dest) override {
    const std::string_view name = level_name(msg.level);
    dest.append(name.data(), name.data() + name.size());
  }
  [[nodiscard]] std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<LevelFlag>();
  }

 private:
  static std::string_view level_name(spdlog::level::level_enum level) {
    switch (level) {
      case spdlog::level::trace:
        return "TRACE";
      case spdlog::level::debug:
        return "DEBUG";
      case spdlog::level::info:
        return "INFO";
      case spdlog::level::warn:
        return "WARN";
      case spdlog::level::err:
        return "ERROR";
      case spdlog::level::critical:
        return "FATAL";
      default:
        return "OFF";
    }
  }
};

std::optional<spdlog::level::level_enum> parse_level(std::string_view level) {
  static constexpr std::array<std::pair<std::string_view, spdlog::level::level_enum>, 7> kLevels{{
      {"trace", spdlog::level::trace},
      {"debug", spdlog::level::debug},
      {"info", spdlog::level::info},
      {"warn", spdlog::level::warn},
      {"warning", spdlog::level::warn},
      {"error", spdlog::level::err},
      {"off", spdlog::level::off},
  }};
  for (const auto& [name, value] : kLevels) {
    if (name == level) {
      return value;
    }
  }
  return std::nullopt;
}

void configure(spdlog::logger& logger, spdlog::sink_ptr sink, spdlog::level::level_enum level) {
  logger.sinks() = {std::move(sink)};
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<LevelFlag>('*').set_pattern(std::string(kPattern));
  logger.set_formatter(std::move(formatter));
  logger.set_level(level);
  logger.flush_on(spdlog::level::trace);  // every line reaches stderr at once
}

// One logger object for the life of the process, so references to it never dangle.
const std::shared_ptr<spdlog::logger>& instance() {
  static const std::shared_ptr<spdlog::logger> kLogger = [] {
    auto created = std::make_shared<spdlog::logger>("gitgate");
    configure(*created, std::make_shared<spdlog::sinks::stderr_sink_mt>(), spdlog::level::info);
    spdlog::set_default_logger(created);
    return created;
  }();
  return kLogger;
}

}  // namespace

bool init_diagnostics(std::string_view level, spdlog::sink_ptr sink) {
  const auto parsed = parse_level(level);
  if (sink == nullptr) {
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  }
  configure(*instance(), std::move(sink), parsed.value_or(spdlog::level::info));
  return parsed.has_value();
}

spdlog::logger& diagnostics() { return *instance(); }

std::string connection_addresses(const net::SocketAddress& client,
                                 const std::optional<net::SocketAddress>& load_balancer) {
  // ip_string() of a unix-socket address carries a path a PROXY sender chose.
  std::string text = "client=" + printable(client.ip_string());
  if (load_balancer) {
    text += " lb=" + printable(load_balancer->ip_string());
  }
  return text;
}

std::string printable(std::string_view text, size_t max_bytes) {
  static constexpr std::string_view kHex = "0123456789abcdef";
  const bool cut = text.size() > max_bytes;
  std::string out;
  for (const char c : text.substr(0, max_bytes)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f && c != '\\') {
      out.push_back(c);
    } else {
      out += "\\x";
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xf]);
    }
  }
  if (cut) {
    out += "...";
  }
  return out;
}

}  // namespace gitgate::logging
