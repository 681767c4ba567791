#include "server/server.h"

#include <fmt/ranges.h>
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
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "auth/host_api.h"
#include "logging/diagnostics.h"
#include "server/admission.h"
#include "server/context.h"
#include "server/host_keys.h"
#include "server/http_endpoint.h"
#include "server/intake.h"
#include "server/listener.h"
#include "server/reload.h"
#include "server/server_metrics.h"
#include "server/ssh_algorithms.h"
#include "server/systemd_notify.h"

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

// Every second, the reasons gone quiet; at exit (all), every reason.
void log_held_back_refusals(ServerContext& context, bool all = false) {
  const auto lines =
      all ? context.refusals.flush_all() : context.refusals.flush(std::chrono::steady_clock::now());
  for (const std::string& line : lines) {
    spdlog::warn("{}", line);
  }
}

// No new connections: the listener stops, and nobody waiting for a PROXY header, a key
// exchange or a login is worth waiting for.
void stop_accepting(ServerContext& context, Listener& listener, const char* name) {
  context.stopping.store(true);
  listener.stop();
  const size_t cut = context.admission.cut_unauthenticated();
  spdlog::info(
      "{}: no new connections; {} open, {} not yet authenticated closed; "
      "waiting up to {} s for requests in flight",
      name, context.admission.open_connections(), cut,
      context.settings.get()->drain_timeout_seconds);
}

// Signals are taken with sigtimedwait() on this thread (blocked everywhere else), so the
// work they trigger runs as ordinary code, not in a handler. The same thread writes the
// counts of refusals held back by the rate limit, and beats for GET /health. SIGTERM first
// makes GET /ready answer 503 while the listener goes on accepting for
// drain_accept_seconds, so that a balancer checking /ready stops sending before any
// connection is refused; then the listener stops.
void signal_loop(ServerContext& context, Listener& listener, const std::atomic<bool>& done) {
  const sigset_t set = handled_signals();
  const timespec wait{0, kSignalPollNanoseconds};
  std::optional<std::chrono::steady_clock::time_point> stop_at;
  const char* stop_name = "SIGTERM";
  while (!done.load()) {
    const int signal = sigtimedwait(&set, nullptr, &wait);
    const auto now = std::chrono::steady_clock::now();
    context.health.beat(now);
    log_held_back_refusals(context);
    if (signal == SIGHUP) {
      reload(context);
    } else if (signal == SIGTERM || signal == SIGINT) {
      stop_name = signal == SIGTERM ? "SIGTERM" : "SIGINT";
      if (context.health.draining() || context.stopping.load()) {
        spdlog::warn("{} again: exiting without waiting for sessions", stop_name);
        spdlog::default_logger()->flush();
        _exit(kExitFailure);
      }
      context.health.start_draining();
      notify_systemd(stopping_state("draining: not ready, requests in flight finish"));
      // Without [http] no balancer can see /ready turn: the window would only delay.
      const int window =
          context.config.http.listen.empty() ? 0 : context.settings.get()->drain_accept_seconds;
      stop_at = now + std::chrono::seconds(window);
      if (window > 0) {
        spdlog::info("{}: not ready (GET /ready answers 503); accepting for {} s more", stop_name,
                     window);
      }
    }
    if (stop_at && now >= *stop_at) {
      stop_at.reset();
      stop_accepting(context, listener, stop_name);
    }
  }
}

void refuse_at_accept(ServerContext& context, int fd, const net::SocketAddress& peer,
                      Admission::Verdict verdict) {
  const std::string reason = context.admission.describe(verdict, peer.ip_string());
  if (auto line =
          context.refusals.admit("refused connection: " + reason, peer.ip_string(),
                                 "refused connection: " + reason + " peer=" + peer.to_string(),
                                 std::chrono::steady_clock::now())) {
    spdlog::warn("{}", *line);
  }
  server_metrics().connection_refused(verdict);
  close(fd);
}

void accept_connection(ServerContext& context, int fd, const net::SocketAddress& peer) {
  server_metrics().connection_accepted();
  Admission::Verdict refused = Admission::Verdict::kAdmitted;
  std::optional<AdmissionTicket> ticket = context.admission.accept(fd, &refused);
  if (!ticket) {
    refuse_at_accept(context, fd, peer, refused);
    return;
  }
  try {
    // The settings in force now are the connection's to its end, whatever a SIGHUP does.
    std::thread(serve_connection, std::ref(context), context.settings.get(), fd, std::move(*ticket))
        .detach();
  } catch (const std::system_error& error) {
    spdlog::error("refused connection: no thread: {} peer={}", error.what(), peer.to_string());
    server_metrics().connection_refused_no_thread();
    ticket->forget_socket();
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
  const SshAlgorithms& algorithms = context.config.ssh;
  if (std::string error = apply_ssh_algorithms(context.bind, algorithms); !error.empty()) {
    spdlog::error("{}", error);
    return false;
  }
  auto keys = install_host_keys(context.bind, context.config.host_keys);
  if (auto* error = std::get_if<std::string>(&keys)) {
    spdlog::error("host keys: {}", *error);
    return false;
  }
  bool usable = false;
  for (const HostKey& key : std::get<std::vector<HostKey>>(keys)) {
    spdlog::info("host key {}: {} {}{}", key.path.string(), key.type, key.fingerprint,
                 key.created ? " (created)" : "");
    usable = usable || offers_host_key(algorithms, key.type);
  }
  if (!usable) {
    spdlog::error("no host key can sign with any of ssh.host_key_algorithms = [{}]",
                  fmt::join(algorithms.host_key_algorithms, ", "));
    return false;
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
  auto opened = git::PackCache::open(pack_cache_options(config));
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
  if (!reload_certificates(context.certificates, "start")) {
    return kExitConfigError;
  }
  if (context.host_api != nullptr) {
    const auth::HostApiSettings& api = context.host_api->settings();
    if (const std::string error = context.host_api->reload_token(); !error.empty()) {
      spdlog::error("host API token: {}", logging::printable(error));
      return kExitConfigError;
    }
    spdlog::info("host API: {} for keys not in the users file (timeout {} ms, cache {} s)", api.url,
                 api.timeout.count(), api.cache_ttl.count());
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
  auto http = HttpEndpoint::start(context);  // before "listening on": the server is up then
  if (auto* error = std::get_if<std::string>(&http)) {
    spdlog::error("{}", *error);
    return kExitFailure;
  }
  for (const std::string& address : std::get<0>(http)->addresses()) {
    spdlog::info("http: GET /metrics, /health, /ready on {}", address);
  }
  std::vector<std::string> addresses;
  for (const BoundSocket& socket : listener.sockets()) {
    addresses.push_back(socket.address.to_string());
    spdlog::info("listening on {}", addresses.back());
  }
  // The sockets listen; connections wait in the backlog.
  notify_systemd(ready_state(fmt::format("listening on {}", fmt::join(addresses, ", "))));
  std::atomic<bool> done{false};
  std::thread signals(signal_loop, std::ref(context), std::ref(listener), std::cref(done));
  listener.run(
      [&context](int fd, const net::SocketAddress& peer) { accept_connection(context, fd, peer); });
  context.stopping.store(true);
  listener.close_sockets();
  const auto drain_timeout = std::chrono::seconds(context.settings.get()->drain_timeout_seconds);
  const size_t remaining =
      context.admission.wait_until_idle(std::chrono::steady_clock::now() + drain_timeout);
  done.store(true);
  signals.join();
  log_held_back_refusals(context, true);
  if (remaining > 0) {
    // Every request still running gets its o-line now; then leave without running
    // destructors, since their threads still use the shared state.
    const size_t drained = context.requests.drain();
    spdlog::warn(
        "drain timeout: {} connections still open after {} s; {} requests in flight "
        "ended (o-line status {}, label drained)",
        remaining, drain_timeout.count(), drained, kExitDrained);
    spdlog::default_logger()->flush();
    _exit(kExitFailure);
  }
  spdlog::info("stopped");
  return kExitOk;
}

}  // namespace

int run_server(Config config, const std::filesystem::path& config_path) {
  const sigset_t set = handled_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  ssh_init();
  auth::HostApi::global_init();  // before any thread: curl_global_init is not thread-safe
  int exit_code = kExitFailure;
  {
    const auto pack_cache = open_pack_cache(config.cache);  // outlives every session
    if (pack_cache) {
      const uint64_t descriptors = raise_descriptor_limit();
      const Limits limits = resolve_limits(config.limits, descriptors);
      spdlog::info(
          "limits: {} descriptors; max_connections {}, max_unauthenticated {} (early "
          "drop from {}), per source {} ({} unauthenticated), login grace {} s",
          descriptors, limits.max_connections, limits.max_unauthenticated, limits.early_drop_start,
          limits.max_per_source, limits.max_unauthenticated_per_source, limits.login_grace_seconds);
      ServerContext context(std::move(config), limits, config_path);
      context.pack_cache = pack_cache->get();
      exit_code = serve(context);
      if (context.bind != nullptr) {
        ssh_bind_free(context.bind);
      }
    }
  }
  auth::HostApi::global_cleanup();
  ssh_finalize();
  return exit_code;
}

}  // namespace gitgate::server
