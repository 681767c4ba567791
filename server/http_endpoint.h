// The operators' HTTP endpoint ([http] listen), served by cpp-httplib on threads of its
// own, apart from the SSH listener, so that a flood of SSH connections does not delay a
// balancer's health check:
//   GET /metrics  the Prometheus text format (server/metrics_page.h)
//   GET /health   200 while the server's loops run, else 503
//   GET /ready    200 while accepting; 503 from the first instant of SIGTERM, and while the
//                 repositories directory cannot be read (server/health.h)
// Anything else is 404. No authentication: [http] belongs on loopback or a management net.
#pragma once

#include <memory>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "server/context.h"

namespace httplib {
class Server;
}

namespace gitgate::server {

class HttpEndpoint {
 public:
  // Binds every [http] listen address and starts serving; a message naming the address
  // that could not be bound otherwise. With no address configured, an endpoint that
  // serves nothing.
  static std::variant<std::unique_ptr<HttpEndpoint>, std::string> start(ServerContext& context);

  // Stops serving and joins the threads.
  ~HttpEndpoint();
  HttpEndpoint(const HttpEndpoint&) = delete;
  HttpEndpoint& operator=(const HttpEndpoint&) = delete;

  // "127.0.0.1:9122" per bound address (port 0 resolved).
  [[nodiscard]] const std::vector<std::string>& addresses() const { return addresses_; }

 private:
  HttpEndpoint() = default;

  std::vector<std::unique_ptr<httplib::Server>> servers_;
  std::vector<std::thread> threads_;
  std::vector<std::string> addresses_;
};

}  // namespace gitgate::server
