#include "server/reload_plan.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "net/cidr.h"

namespace gitgate::server {
namespace {

Config running_config() {
  Config config;
  config.listen = {{"127.0.0.1", 7999}};
  config.repositories = "/srv/git";
  config.host_keys = {"/var/lib/gitgate/ssh_host_ed25519_key"};
  config.node_id = "DX7BUK";
  config.users = "/etc/gitgate/users.toml";
  config.access_log = "/var/log/gitgate/access.log";
  config.http.listen = {{"127.0.0.1", 9122}};
  config.cache.path = "/var/cache/gitgate";
  return config;
}

struct Case {
  const char* name;
  std::function<void(Config&)> change;
  const char* needs_restart;  // nullptr: reloaded
  // The changed setting, printed, to tell which value the plan kept.
  std::function<std::string(const Config&)> value;
};

std::string addresses(const std::vector<ListenAddress>& list) {
  std::string text;
  for (const ListenAddress& a : list) {
    text += a.host + ":" + std::to_string(a.port) + " ";
  }
  return text;
}

const std::vector<Case>& cases() {
  static const std::vector<Case> kCases = {
      {"max_per_source", [](Config& c) { c.limits.max_per_source = 3; }, nullptr,
       [](const Config& c) { return std::to_string(c.limits.max_per_source); }},
      {"max_connections", [](Config& c) { c.limits.max_connections = 100; }, nullptr,
       [](const Config& c) { return std::to_string(c.limits.max_connections); }},
      {"login_grace", [](Config& c) { c.limits.login_grace_seconds = 5; }, nullptr,
       [](const Config& c) { return std::to_string(c.limits.login_grace_seconds); }},
      {"request_limits", [](Config& c) { c.limits.request.max_wants = 7; }, nullptr,
       [](const Config& c) { return std::to_string(c.limits.request.max_wants); }},
      {"trusted", [](Config& c) { c.proxy.trusted.push_back(*net::Cidr::parse("10.0.0.0/8")); },
       nullptr, [](const Config& c) { return std::to_string(c.proxy.trusted.size()); }},
      {"proxy_mode", [](Config& c) { c.proxy.mode = proxyproto::Mode::kRequired; }, nullptr,
       [](const Config& c) { return std::to_string(static_cast<int>(c.proxy.mode)); }},
      {"access_log", [](Config& c) { c.access_log = "/var/log/gitgate/other.log"; }, nullptr,
       [](const Config& c) { return c.access_log; }},
      {"cache_max_size", [](Config& c) { c.cache.max_size_mb = 10; }, nullptr,
       [](const Config& c) { return std::to_string(c.cache.max_size_mb); }},
      {"cache_ttl", [](Config& c) { c.cache.ttl_minutes = 5; }, nullptr,
       [](const Config& c) { return std::to_string(c.cache.ttl_minutes); }},
      {"push", [](Config& c) { c.push.hooks = false; }, nullptr,
       [](const Config& c) { return std::to_string(static_cast<int>(c.push.hooks)); }},
      {"drain_timeout", [](Config& c) { c.drain_timeout_seconds = 3; }, nullptr,
       [](const Config& c) { return std::to_string(c.drain_timeout_seconds); }},
      {"listen", [](Config& c) { c.listen[0].port = 8000; }, "server.listen",
       [](const Config& c) { return addresses(c.listen); }},
      {"listen_added",
       [](Config& c) {
         c.listen.push_back({"::1", 7999});
       },
       "server.listen", [](const Config& c) { return addresses(c.listen); }},
      {"repositories", [](Config& c) { c.repositories = "/srv/other"; }, "server.repositories",
       [](const Config& c) { return c.repositories.string(); }},
      {"host_keys", [](Config& c) { c.host_keys.emplace_back("/k2"); }, "server.host_keys",
       [](const Config& c) { return std::to_string(c.host_keys.size()); }},
      {"node_id", [](Config& c) { c.node_id = "OTHER1"; }, "server.node_id",
       [](const Config& c) { return c.node_id; }},
      {"clustered", [](Config& c) { c.clustered = true; }, "server.clustered",
       [](const Config& c) { return std::to_string(static_cast<int>(c.clustered)); }},
      {"users_path", [](Config& c) { c.users = "/etc/gitgate/u2.toml"; }, "auth.users",
       [](const Config& c) { return c.users.string(); }},
      {"ca_keys", [](Config& c) { c.certificates.trusted_user_ca_keys = {"/etc/ca.pub"}; },
       "auth.trusted_user_ca_keys",
       [](const Config& c) { return std::to_string(c.certificates.trusted_user_ca_keys.size()); }},
      {"revoked_keys", [](Config& c) { c.certificates.revoked_keys = "/etc/krl"; },
       "auth.revoked_keys", [](const Config& c) { return c.certificates.revoked_keys.string(); }},
      {"api_url", [](Config& c) { c.host_api.url = "http://host"; }, "auth.api_url",
       [](const Config& c) { return c.host_api.url; }},
      {"api_timeout", [](Config& c) { c.host_api.timeout_ms = 5; }, "auth.api_timeout_ms",
       [](const Config& c) { return std::to_string(c.host_api.timeout_ms); }},
      {"http_listen", [](Config& c) { c.http.listen.clear(); }, "http.listen",
       [](const Config& c) { return addresses(c.http.listen); }},
      {"cache_enabled", [](Config& c) { c.cache.enabled = false; }, "cache.enabled",
       [](const Config& c) { return std::to_string(static_cast<int>(c.cache.enabled)); }},
      {"cache_path", [](Config& c) { c.cache.path = "/tmp/c"; }, "cache.path",
       [](const Config& c) { return c.cache.path.string(); }},
      {"ssh", [](Config& c) { c.ssh.ciphers = {"aes256-ctr"}; }, "ssh",
       [](const Config& c) { return std::to_string(c.ssh.ciphers.size()); }},
  };
  return kCases;
}

TEST(PlanReload, UnchangedFileChangesNothing) {
  const Config running = running_config();
  const ReloadPlan plan = plan_reload(running, running_config());
  EXPECT_TRUE(plan.needs_restart.empty());
}

TEST(PlanReload, EachSettingIsReloadedOrKeptAndNamed) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    const Config running = running_config();
    Config fresh = running_config();
    c.change(fresh);
    ASSERT_NE(c.value(fresh), c.value(running));  // the case changes what it probes
    const ReloadPlan plan = plan_reload(running, fresh);
    if (c.needs_restart == nullptr) {
      EXPECT_TRUE(plan.needs_restart.empty());
      EXPECT_EQ(c.value(plan.next), c.value(fresh));
    } else {
      EXPECT_EQ(plan.needs_restart, std::vector<std::string>{c.needs_restart});
      EXPECT_EQ(c.value(plan.next), c.value(running));
    }
  }
}

// A file that changes both kinds: the reloadable part is taken, the rest kept and named.
TEST(PlanReload, MixedChangesTakeTheReloadablePart) {
  const Config running = running_config();
  Config fresh = running_config();
  fresh.listen[0].port = 8000;
  fresh.limits.max_per_source = 2;
  fresh.node_id = "OTHER1";
  const ReloadPlan plan = plan_reload(running, fresh);
  EXPECT_EQ(plan.needs_restart, (std::vector<std::string>{"server.listen", "server.node_id"}));
  EXPECT_EQ(plan.next.limits.max_per_source, 2);
  EXPECT_EQ(plan.next.listen[0].port, 7999);
  EXPECT_EQ(plan.next.node_id, "DX7BUK");
  EXPECT_TRUE(plan_reload(running, plan.next).needs_restart.empty());
}

}  // namespace
}  // namespace gitgate::server
