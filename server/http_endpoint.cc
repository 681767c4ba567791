#include "server/http_endpoint.h"

#include <httplib.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <chrono>

#include "metrics/exposition.h"
#include "server/listener.h"
#include "server/metrics_page.h"

namespace gitgate::server {
namespace {

// Scrapes and checks are small and few: two threads per address serve them all, and an
// idle keep-alive connection is let go after a second (so stopping never waits long).
constexpr size_t kThreadsPerAddress = 2;
constexpr time_t kKeepAliveSeconds = 1;
constexpr time_t kReadTimeoutSeconds = 5;

void add_routes(httplib::Server& server, ServerContext& context) {
  server.Get("/metrics", [&context](const httplib::Request&, httplib::Response& response) {
    response.set_content(metrics_page(context), std::string(metrics::kContentType));
  });
  server.Get("/health", [&context](const httplib::Request&, httplib::Response& response) {
    const bool alive = context.health.alive(Health::Clock::now());
    response.status = alive ? 200 : 503;
    response.set_content(alive ? "ok\n" : "stalled: the signal loop has not run for 5 s\n",
                         "text/plain");
  });
  server.Get("/ready", [&context](const httplib::Request&, httplib::Response& response) {
    const std::string why = context.health.not_ready_reason();
    response.status = why.empty() ? 200 : 503;
    response.set_content(why.empty() ? "ready\n" : "not ready: " + why + "\n", "text/plain");
  });
}

}  // namespace

std::variant<std::unique_ptr<HttpEndpoint>, std::string> HttpEndpoint::start(
    ServerContext& context) {
  std::unique_ptr<HttpEndpoint> endpoint(new HttpEndpoint());
  for (const ListenAddress& address : context.config.http.listen) {
    auto server = std::make_unique<httplib::Server>();
    server->new_task_queue = [] { return new httplib::ThreadPool(kThreadsPerAddress); };
    server->set_keep_alive_timeout(kKeepAliveSeconds);
    server->set_read_timeout(kReadTimeoutSeconds, 0);
    // cpp-httplib's default sets SO_REUSEPORT, with which a second gitgate would bind the
    // same port and the kernel would share the balancer's checks between the two.
    server->set_socket_options([](int sock) {
      const int yes = 1;
      setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    add_routes(*server, context);
    ListenAddress bound = address;
    if (address.port == 0) {
      const int port = server->bind_to_any_port(address.host);
      bound.port = static_cast<uint16_t>(port > 0 ? port : 0);
    } else if (!server->bind_to_port(address.host, address.port)) {
      bound.port = 0;
    }
    if (bound.port == 0) {
      return "http: cannot listen on " + format_listen_address(address);
    }
    endpoint->addresses_.push_back(format_listen_address(bound));
    endpoint->threads_.emplace_back([raw = server.get()] { raw->listen_after_bind(); });
    endpoint->servers_.push_back(std::move(server));
  }
  return endpoint;
}

HttpEndpoint::~HttpEndpoint() {
  for (const auto& server : servers_) {
    server->stop();
  }
  for (std::thread& thread : threads_) {
    thread.join();
  }
}

}  // namespace gitgate::server
