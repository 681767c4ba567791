#include "server/server.h"

#include <libssh/libssh.h>
#include <libssh/server.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <ctime>
#include <memory>
#include <optional>
#include <system_error>
#include <thread>

#include "logging/diagnostics.h"
#include "server/context.h"
#include "server/host_keys.h"
#include "server/listener.h"
#include "server/session.h"

namespace gitgate::server {
namespace {

// The signal thread wakes this often to see whether the server is done.
constexpr long kSignalPollNanoseconds = 250'000'000;
// The software part of the SSH identification string: "SSH-2.0-gitgate".
constexpr const char* kSshBanner = "gitgate";

sigset_t handled_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

void reload(ServerContext& context) {
  const std::vector<std::string> errors = context.users.reload();
  if (errors.empty()) {
    spdlog::info("SIGHUP: reloaded {} ({} users)", context.users.path().string(),
                 context.users.get()->size());
  } else {
    const auto kept = context.users.get();
    spdlog::warn("SIGHUP: {} is invalid; keeping the previous {} users",
                 context.users.path().string(), kept ? kept->size() : 0);
    for (const std::string& error : errors) {
      spdlog::warn("  {}", logging::printable(error));
    }
  }
  if (!context.access_log.reopen()) {
    spdlog::warn("SIGHUP: could not reopen the access log {}; still writing to the old file",
                 context.config.access_log);
  }
}

// Signals are taken with sigtimedwait() on this thread (blocked everywhere else), so the
// work they trigger runs as ordinary code, not in a handler.
void signal_loop(ServerContext& context, Listener& listener, const std::atomic<bool>& done) {
  const sigset_t set = handled_signals();
  const timespec wait{0, kSignalPollNanoseconds};
  while (!done.load()) {
    const int signal = sigtimedwait(&set, nullptr, &wait);
    if (signal == SIGHUP) {
      reload(context);
    } else if (signal == SIGTERM || signal == SIGINT) {
      if (context.stopping.exchange(true)) {
        spdlog::warn("{} again: exiting without waiting for sessions",
                     signal == SIGTERM ? "SIGTERM" : "SIGINT");
        _exit(kExitFailure);
      }
      spdlog::info("{}: no new connections; {} open", signal == SIGTERM ? "SIGTERM" : "SIGINT",
                   context.admission.open_connections());
      listener.stop();
    }
  }
}

void accept_connection(ServerContext& context, int fd, const proxyproto::SocketAddress& peer) {
  const std::string source = peer.ip_string();
  const Admission::Verdict verdict = context.admission.admit(source);
  if (verdict != Admission::Verdict::kAdmitted) {
    spdlog::warn("refused connection: {} peer={}", context.admission.describe(verdict, source),
                 peer.to_string());
    close(fd);
    return;
  }
  AdmissionTicket ticket(context.admission, source);
  try {
    std::thread(serve_connection, std::ref(context), fd, std::move(ticket)).detach();
  } catch (const std::system_error& error) {
    spdlog::error("refused connection: no thread: {} peer={}", error.what(), peer.to_string());
    close(fd);
  }
}

// The bind only holds the host keys; gitgate listens and accepts itself.
bool set_up_bind(ServerContext& context) {
  context.bind = ssh_bind_new();
  if (context.bind == nullptr) {
    return false;
  }
  bool process_config = false;  // no /etc/ssh/libssh_server_config surprises
  ssh_bind_options_set(context.bind, SSH_BIND_OPTIONS_PROCESS_CONFIG, &process_config);
  ssh_bind_options_set(context.bind, SSH_BIND_OPTIONS_BANNER, kSshBanner);
  auto keys = install_host_keys(context.bind, context.config.host_keys);
  if (auto* error = std::get_if<std::string>(&keys)) {
    spdlog::error("host keys: {}", *error);
    return false;
  }
  for (const HostKey& key : std::get<std::vector<HostKey>>(keys)) {
    spdlog::info("host key {}: {} {}{}", key.path.string(), key.type, key.fingerprint,
                 key.created ? " (created)" : "");
  }
  return true;
}

// A cache that cannot be set up is no reason to refuse clones: log it and serve without
// (a null cache). A cache directory another gitgate holds is: two servers would delete each
// other's temp files and evict each other's entries, so nullopt, and gitgate does not start.
std::optional<std::unique_ptr<git::PackCache>> open_pack_cache(const CacheConfig& config) {
  if (!config.enabled) {
    return nullptr;
  }
  constexpr int kMegabyteShift = 20;
  git::PackCacheOptions options;
  options.directory = config.path;
  options.max_bytes = static_cast<uint64_t>(config.max_size_mb) << kMegabyteShift;
  options.ttl = std::chrono::minutes(config.ttl_minutes);
  options.min_free_bytes = static_cast<uint64_t>(config.min_free_disk_mb) << kMegabyteShift;
  auto opened = git::PackCache::open(std::move(options));
  if (auto* error = std::get_if<git::PackCacheError>(&opened)) {
    if (error->kind == git::PackCacheError::Kind::kInUse) {
      spdlog::error("not starting: {}", logging::printable(error->message));
      return std::nullopt;
    }
    spdlog::warn("pack cache disabled: {}", logging::printable(error->message));
    return nullptr;
  }
  spdlog::info("pack cache in {} (max {} MB, ttl {} min, min free disk {} MB)",
               config.path.string(), config.max_size_mb, config.ttl_minutes,
               config.min_free_disk_mb);
  return std::move(std::get<std::unique_ptr<git::PackCache>>(opened));
}

int serve(ServerContext& context) {
  if (const auto errors = context.users.reload(); !errors.empty()) {
    for (const std::string& error : errors) {
      spdlog::error("{}", logging::printable(error));
    }
    return kExitConfigError;
  }
  if (!context.access_log.open() || !set_up_bind(context)) {
    return kExitFailure;
  }
  auto bound = bind_listeners(context.config.listen);
  if (auto* error = std::get_if<std::string>(&bound)) {
    spdlog::error("{}", *error);
    return kExitFailure;
  }
  Listener listener(std::move(std::get<std::vector<BoundSocket>>(bound)));
  if (!listener.ok()) {
    return kExitFailure;
  }
  for (const BoundSocket& socket : listener.sockets()) {
    spdlog::info("listening on {}", socket.address.to_string());
  }
  std::atomic<bool> done{false};
  std::thread signals(signal_loop, std::ref(context), std::ref(listener), std::cref(done));
  listener.run([&context](int fd, const proxyproto::SocketAddress& peer) {
    accept_connection(context, fd, peer);
  });
  context.stopping.store(true);
  listener.close_sockets();
  const size_t remaining =
      context.admission.wait_until_idle(std::chrono::steady_clock::now() + kShutdownGrace);
  done.store(true);
  signals.join();
  if (remaining > 0) {
    // Their threads still use the shared state: leave without running destructors.
    spdlog::warn("stopped with {} sessions still open after {} s", remaining,
                 kShutdownGrace.count());
    spdlog::default_logger()->flush();
    _exit(kExitOk);
  }
  spdlog::info("stopped");
  return kExitOk;
}

}  // namespace

int run_server(Config config) {
  const sigset_t set = handled_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  ssh_init();
  int exit_code = kExitFailure;
  {
    const auto pack_cache = open_pack_cache(config.cache);  // outlives every session
    if (pack_cache) {
      ServerContext context(std::move(config));
      context.pack_cache = pack_cache->get();
      exit_code = serve(context);
      if (context.bind != nullptr) {
        ssh_bind_free(context.bind);
      }
    }
  }
  ssh_finalize();
  return exit_code;
}

}  // namespace gitgate::server
