#include "server/config.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "auth/users.h"
#include "server/detail/config_parser.h"
#include "tests/testing/line_errors.h"

namespace gitgate::server {
namespace {

namespace fs = std::filesystem;

// Verbatim from docs/DESIGN.md, "Interface contract".
constexpr std::string_view kContractExample = R"([server]
listen = ["0.0.0.0:7999"]             # host:port, IPv6 as "[::]:7999"
repositories = "/srv/git"             # clone path '/demo/repo.git' → /srv/git/demo/repo.git
host_keys = ["/var/lib/gitgate/ssh_host_ed25519_key"]   # created on first start if missing
node_id = "DX7BUK"                    # request-id node part; default derived from the host name

[proxy_protocol]
mode = "optional"                     # off | optional | required
trusted = ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"]
header_timeout_ms = 5000

[auth]
users = "/etc/gitgate/users.toml"     # reloaded on SIGHUP

[access_log]
path = "/var/log/gitgate/access.log"  # "-" = stdout; reopened on SIGHUP
)";

constexpr std::string_view kMinimal =
    "[server]\nrepositories = \"repos\"\n[auth]\nusers = "
    "\"users.toml\"\n";

using gitgate::testing::errors_text;

Config parse_ok(std::string_view text, const fs::path& base = "/etc/gitgate") {
  auto parsed = parse_config(text, base);
  if (auto* errors = std::get_if<std::vector<ConfigError>>(&parsed)) {
    ADD_FAILURE() << "unexpected errors:\n" << errors_text(*errors) << "in:\n" << text;
    return {};
  }
  return std::get<Config>(std::move(parsed));
}

TEST(ConfigTest, ParsesTheContractExample) {
  const Config config = parse_ok(kContractExample);
  ASSERT_EQ(config.listen.size(), 1U);
  EXPECT_EQ(config.listen[0].host, "0.0.0.0");
  EXPECT_EQ(config.listen[0].port, 7999);
  EXPECT_EQ(config.repositories, "/srv/git");
  EXPECT_EQ(config.host_keys, std::vector<fs::path>{"/var/lib/gitgate/ssh_host_ed25519_key"});
  EXPECT_EQ(config.node_id, "DX7BUK");
  EXPECT_FALSE(config.clustered);
  EXPECT_EQ(config.proxy.mode, proxyproto::Mode::kOptional);
  std::vector<std::string> trusted;
  for (const auto& cidr : config.proxy.trusted) {
    trusted.push_back(cidr.to_string());
  }
  EXPECT_EQ(trusted, (std::vector<std::string>{"127.0.0.0/8", "::1/128", "10.0.0.0/8",
                                               "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"}));
  EXPECT_EQ(config.proxy.header_timeout, std::chrono::milliseconds(5000));
  EXPECT_EQ(config.users, "/etc/gitgate/users.toml");
  EXPECT_EQ(config.access_log, "/var/log/gitgate/access.log");
}

TEST(ConfigTest, FillsDefaultsAndResolvesRelativePaths) {
  const Config config = parse_ok(kMinimal, "/etc/gitgate");
  ASSERT_EQ(config.listen.size(), 1U);
  EXPECT_EQ(config.listen[0].host, "0.0.0.0");
  EXPECT_EQ(config.listen[0].port, 7999);
  EXPECT_EQ(config.repositories, "/etc/gitgate/repos");
  EXPECT_EQ(config.users, "/etc/gitgate/users.toml");
  EXPECT_EQ(config.host_keys, std::vector<fs::path>{"/etc/gitgate/ssh_host_ed25519_key"});
  std::array<char, 256> host{};
  ASSERT_EQ(gethostname(host.data(), host.size() - 1), 0);
  EXPECT_EQ(config.node_id, default_node_id(host.data()));
  EXPECT_FALSE(config.clustered);
  EXPECT_EQ(config.proxy.mode, proxyproto::Mode::kOptional);
  EXPECT_TRUE(config.proxy.trusted.empty());
  EXPECT_EQ(config.proxy.header_timeout, std::chrono::milliseconds(5000));
  EXPECT_EQ(config.proxy.max_v2_length, proxyproto::kV2DefaultMaxLength);
  EXPECT_EQ(config.access_log, "-");
  const Limits defaults;
  EXPECT_EQ(config.limits.max_connections, defaults.max_connections);
  EXPECT_EQ(config.limits.keepalive_seconds, defaults.keepalive_seconds);
  EXPECT_TRUE(config.cache.enabled);
  EXPECT_EQ(config.cache.path, "/etc/gitgate/cache");
  EXPECT_EQ(config.cache.max_size_mb, 2048);
  EXPECT_EQ(config.cache.ttl_minutes, 60);
  EXPECT_EQ(config.cache.min_free_disk_mb, 1024);

  const Config dotted = parse_ok(
      "[server]\nrepositories = \"../srv/./git\"\nhost_keys = [\"keys/a\", \"/abs/b\"]\n"
      "[auth]\nusers = \"u.toml\"\n[access_log]\npath = \"log/access.log\"\n",
      "/etc/gitgate");
  EXPECT_EQ(dotted.repositories, "/etc/srv/git");
  EXPECT_EQ(dotted.host_keys, (std::vector<fs::path>{"/etc/gitgate/keys/a", "/abs/b"}));
  EXPECT_EQ(dotted.access_log, "/etc/gitgate/log/access.log");
}

TEST(ConfigTest, CacheSection) {
  const Config config = parse_ok(std::string(kMinimal) +
                                     "[cache]\nenabled = false\npath = \"pc/./x\"\n"
                                     "max_size_mb = 10\nttl_minutes = 5\nmin_free_disk_mb = 0\n",
                                 "/etc/gitgate");
  EXPECT_FALSE(config.cache.enabled);
  EXPECT_EQ(config.cache.path, "/etc/gitgate/pc/x");
  EXPECT_EQ(config.cache.max_size_mb, 10);
  EXPECT_EQ(config.cache.ttl_minutes, 5);
  EXPECT_EQ(config.cache.min_free_disk_mb, 0);
  const Config absolute =
      parse_ok(std::string(kMinimal) + "[cache]\npath = \"/var/cache/gitgate\"\n", "/etc/gitgate");
  EXPECT_EQ(absolute.cache.path, "/var/cache/gitgate");
  EXPECT_TRUE(absolute.cache.enabled);
}

// [push] absent: git::PushSettings as shipped (2048 MB packs, hooks within 600 s, ...).
TEST(ConfigTest, PushDefaults) {
  const git::PushSettings& push = parse_ok(kMinimal).push;
  EXPECT_TRUE(push.fsck);
  EXPECT_TRUE(push.hooks);
  EXPECT_EQ(push.hook_timeout, std::chrono::seconds(600));
  EXPECT_TRUE(push.auto_maintenance);
  EXPECT_EQ(push.max_pack_bytes, uint64_t{2048} << 20);
  EXPECT_EQ(push.max_objects, git::PushSettings{}.max_objects);
  EXPECT_EQ(push.max_object_bytes, git::PushSettings{}.max_object_bytes);
  EXPECT_EQ(push.max_commands, git::PushSettings{}.max_commands);
  EXPECT_EQ(push.max_push_options, git::PushSettings{}.max_push_options);
}

TEST(ConfigTest, PushSection) {
  const git::PushSettings push =
      parse_ok(std::string(kMinimal) +
               "[push]\nfsck = false\nhooks = false\nhook_timeout_seconds = 5\n"
               "auto_maintenance = false\nmax_pack_mb = 1\nmax_objects = 7\nmax_object_mb = 3\n"
               "max_commands = 9\nmax_push_options = 0\n")
          .push;
  EXPECT_FALSE(push.fsck);
  EXPECT_FALSE(push.hooks);
  EXPECT_EQ(push.hook_timeout, std::chrono::seconds(5));
  EXPECT_FALSE(push.auto_maintenance);
  EXPECT_EQ(push.max_pack_bytes, uint64_t{1} << 20);
  EXPECT_EQ(push.max_objects, 7U);
  EXPECT_EQ(push.max_object_bytes, uint64_t{3} << 20);
  EXPECT_EQ(push.max_commands, 9U);
  EXPECT_EQ(push.max_push_options, 0U);
  // The largest values: a pack of 1 TiB, 2^32 - 1 objects (the pack header's count).
  const git::PushSettings large =
      parse_ok(std::string(kMinimal) +
               "[push]\nmax_pack_mb = 1048576\nmax_objects = 4294967295\nhook_timeout_seconds = "
               "86400\n")
          .push;
  EXPECT_EQ(large.max_pack_bytes, uint64_t{1} << 40);
  EXPECT_EQ(large.max_objects, 4294967295U);
  EXPECT_EQ(large.hook_timeout, std::chrono::seconds(86400));
}

TEST(ConfigTest, ReadsEverySetting) {
  const Config config = parse_ok(R"(
[server]
listen = ["[::]:7999", "127.0.0.1:2222"]
repositories = "/srv/git"
node_id = "N1"
clustered = true
[proxy_protocol]
mode = "required"
trusted = ["10.0.0.5"]
header_timeout_ms = 250
max_v2_length = 65551
[auth]
users = "/u.toml"
[access_log]
path = "-"
[limits]
max_connections = 10
max_unauthenticated = 5
max_per_source = 2
login_grace_seconds = 20
max_auth_tries = 3
keepalive_seconds = 0
max_request_bytes = 1048576
max_wants = 10
max_haves = 20
max_shallow = 30
max_deepen_not = 40
max_ref_prefixes = 65535
negotiation_budget_ms = 100
)");
  ASSERT_EQ(config.listen.size(), 2U);
  EXPECT_EQ(config.listen[0].host, "::");
  EXPECT_EQ(config.listen[1].port, 2222);
  EXPECT_EQ(config.node_id, "N1");
  EXPECT_TRUE(config.clustered);
  EXPECT_EQ(config.proxy.mode, proxyproto::Mode::kRequired);
  ASSERT_EQ(config.proxy.trusted.size(), 1U);
  EXPECT_EQ(config.proxy.trusted[0].to_string(), "10.0.0.5/32");
  EXPECT_EQ(config.proxy.header_timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(config.proxy.max_v2_length, 65551U);
  EXPECT_EQ(config.access_log, "-");
  EXPECT_EQ(config.limits.max_connections, 10);
  EXPECT_EQ(config.limits.max_unauthenticated, 5);
  EXPECT_EQ(config.limits.max_per_source, 2);
  EXPECT_EQ(config.limits.login_grace_seconds, 20);
  EXPECT_EQ(config.limits.max_auth_tries, 3);
  EXPECT_EQ(config.limits.keepalive_seconds, 0);
  EXPECT_EQ(config.limits.request.max_request_bytes, 1048576U);
  EXPECT_EQ(config.limits.request.max_wants, 10U);
  EXPECT_EQ(config.limits.request.max_haves, 20U);
  EXPECT_EQ(config.limits.request.max_shallow, 30U);
  EXPECT_EQ(config.limits.request.max_deepen_not, 40U);
  EXPECT_EQ(config.limits.request.max_ref_prefixes, 65535U);
  EXPECT_EQ(config.limits.request.negotiation_budget, std::chrono::milliseconds(100));
  EXPECT_EQ(parse_ok("[proxy_protocol]\nmode = \"off\"\n" + std::string(kMinimal)).proxy.mode,
            proxyproto::Mode::kOff);
  // The pool sizes left out are sized at start (resolve_limits), not here.
  const Config small = parse_ok(std::string(kMinimal) + "[limits]\nmax_connections = 4\n");
  EXPECT_EQ(small.limits.max_connections, 4);
  EXPECT_EQ(small.limits.max_unauthenticated, 0);
  EXPECT_EQ(small.limits.max_per_source, Limits{}.max_per_source);
}

struct BadConfig {
  std::string_view name;
  std::string text;
  std::vector<gitgate::testing::ExpectedError> errors;
};

std::vector<BadConfig> bad_configs() {
  const std::string minimal(kMinimal);  // lines 1-4
  return {
      {"toml syntax", "[server]\nrepositories = \n", {{2, ""}}},
      {"empty file", "", {{0, "missing table [server]"}, {0, "missing table [auth]"}}},
      {"missing required keys",
       "[server]\nlisten = [\"0.0.0.0:1\"]\n[auth]\n",
       {{1, "lacks repositories"}, {3, "lacks users"}}},
      {"unknown table and keys",
       minimal + "[serverr]\nx = 1\n[limits]\nmax_conections = 5\n",
       {{5, "unknown table 'serverr'"}, {8, "unknown key 'max_conections' in [limits]"}}},
      {"unknown top-level key", "port = 7999\n" + minimal, {{1, "unknown key 'port'"}}},
      {"unknown key in [server]",
       "[server]\nrepositories = \"r\"\nrepository = \"r\"\n[auth]\nusers = \"u\"\n",
       {{3, "unknown key 'repository' in [server]"}}},
      {"table as a value",
       "server = 1\n[auth]\nusers = \"u\"\n",
       {{1, "'server' must be a table"}}},
      {"wrong types",
       "[server]\nrepositories = 1\nlisten = \"0.0.0.0:1\"\nclustered = \"yes\"\n"
       "node_id = 7\nhost_keys = [1, \"k\"]\n[auth]\nusers = [\"u\"]\n",
       {{2, "server.repositories must be a string, not an integer"},
        {3, "server.listen must be an array of strings, not a string"},
        {4, "server.clustered must be true or false, not a string"},
        {5, "server.node_id must be a string"},
        {6, "server.host_keys must hold only strings, not an integer"},
        {8, "auth.users must be a string, not an array"}}},
      {"bad listen entries",
       "[server]\nrepositories = \"r\"\nlisten = [\n  \"localhost:7999\",\n  \"1.2.3.4:70000\",\n"
       "  \"[::]:1\",\n  \"[0::0]:1\",\n]\n[auth]\nusers = \"u\"\n",
       {{4, "is not host:port"}, {5, "port 70000"}, {7, "twice"}}},
      {"empty lists and paths",
       "[server]\nrepositories = \"\"\nlisten = []\nhost_keys = []\n[auth]\nusers = \"\"\n",
       {{2, "non-empty path"},
        {3, "at least one address"},
        {4, "at least one key"},
        {6, "non-empty path"}}},
      {"bad node ids",
       minimal + "[server]\n",  // a second [server] is a TOML error
       {{5, ""}}},
      {"lower-case node id",
       "[server]\nrepositories = \"r\"\nnode_id = \"dx7buk\"\n[auth]\nusers = \"u\"\n",
       {{3, "A-Z or 0-9"}}},
      {"long node id",
       "[server]\nrepositories = \"r\"\nnode_id = \"ABCDEFGHIJKLMNOPQ\"\n[auth]\nusers = \"u\"\n",
       {{3, "1-16"}}},
      {"proxy protocol values",
       minimal + "[proxy_protocol]\nmode = \"sometimes\"\ntrusted = [\"10.0.0.0/33\", \"eth0\"]\n"
                 "header_timeout_ms = 0\nmax_v2_length = 15\n",
       {{6, "not one of off, optional, required"},
        {7, "'10.0.0.0/33' is not an address"},
        {7, "'eth0'"},
        {8, "header_timeout_ms must be within 1-60000 (got 0)"},
        {9, "max_v2_length must be within 16-65551"}}},
      {"required without trusted peers",
       minimal + "[proxy_protocol]\nmode = \"required\"\n",
       {{6, "needs trusted peers"}}},
      {"timeout too long",
       minimal + "[proxy_protocol]\nheader_timeout_ms = 60001\n",
       {{6, "1-60000"}}},
      {"limits",
       minimal + "[limits]\nmax_connections = 4\nmax_per_source = 5\nmax_auth_tries = 0\n"
                 "keepalive_seconds = -1\nlogin_grace_seconds = 1.5\n",
       {{7, "limits.max_per_source (5) exceeds limits.max_connections (4)"},
        {8, "max_auth_tries must be within 1-100"},
        {9, "keepalive_seconds must be within 0-3600"},
        {10, "must be an integer, not a float"}}},
      {"request limits below and above their bounds",
       minimal + "[limits]\nmax_request_bytes = 1048575\nmax_wants = 0\nmax_haves = 10000001\n"
                 "max_shallow = -1\nmax_deepen_not = 1000001\nmax_ref_prefixes = 65536\n"
                 "negotiation_budget_ms = 99\n",
       {{6, "max_request_bytes must be within 1048576-1073741824"},
        {7, "max_wants must be within 1-10000000"},
        {8, "max_haves must be within 1-10000000"},
        {9, "max_shallow must be within 1-10000000"},
        {10, "max_deepen_not must be within 1-1000000"},
        {11, "max_ref_prefixes must be within 1-65535"},
        {12, "negotiation_budget_ms must be within 100-3600000"}}},
      {"access log",
       minimal + "[access_log]\npath = \"\"\nformat = \"json\"\n",
       {{6, "non-empty path"}, {7, "unknown key 'format' in [access_log]"}}},
      {"cache",
       minimal + "[cache]\nenabled = 1\npath = \"\"\nmax_size_mb = 0\nttl_minutes = -1\n"
                 "min_free_disk_mb = -1\nsize = 3\n",
       {{6, "cache.enabled must be true or false"},
        {7, "cache.path must be a non-empty path"},
        {8, "cache.max_size_mb must be within 1-"},
        {9, "cache.ttl_minutes must be within 1-"},
        {10, "cache.min_free_disk_mb must be within 0-"},
        {11, "unknown key 'size' in [cache]"}}},
      {"cache not a table", "cache = 1\n" + minimal, {{1, "'cache' must be a table"}}},
      {"push",
       minimal + "[push]\nfsck = \"yes\"\nhooks = 1\nhook_timeout_seconds = 0\n"
                 "auto_maintenance = []\nmax_pack_mb = 0\nmax_objects = 4294967296\n"
                 "max_object_mb = -1\nmax_commands = 0\nmax_push_options = -1\nmax_refs = 5\n",
       {{6, "push.fsck must be true or false, not a string"},
        {7, "push.hooks must be true or false, not an integer"},
        {8, "push.hook_timeout_seconds must be within 1-86400 (got 0)"},
        {9, "push.auto_maintenance must be true or false, not an array"},
        {10, "push.max_pack_mb must be within 1-1048576"},
        {11, "push.max_objects must be within 1-4294967295"},
        {12, "push.max_object_mb must be within 1-"},
        {13, "push.max_commands must be within 1-"},
        {14, "push.max_push_options must be within 0-"},
        {15, "unknown key 'max_refs' in [push]"}}},
      {"push not a table", "push = true\n" + minimal, {{1, "'push' must be a table"}}},
      {"push as a misspelt table", minimal + "[pushh]\n", {{5, "unknown table 'pushh'"}}},
  };
}

void expect_errors(const BadConfig& bad) {
  auto parsed = parse_config(bad.text, "/etc/gitgate");
  ASSERT_TRUE(std::holds_alternative<std::vector<ConfigError>>(parsed)) << bad.name;
  gitgate::testing::expect_line_errors(bad.name, std::get<std::vector<ConfigError>>(parsed),
                                       bad.errors);
}

TEST(ConfigTest, ReportsEveryErrorWithItsLine) {
  for (const BadConfig& bad : bad_configs()) {
    expect_errors(bad);
  }
}

// [ssh]: a list given replaces its default whole; the others keep theirs.
TEST(ConfigTest, SshSection) {
  const SshAlgorithms defaults;
  const Config plain = parse_ok(kMinimal);
  EXPECT_EQ(plain.ssh.kex, defaults.kex);
  EXPECT_EQ(plain.ssh.ciphers, defaults.ciphers);
  EXPECT_EQ(plain.ssh.macs, defaults.macs);
  EXPECT_EQ(plain.ssh.host_key_algorithms, defaults.host_key_algorithms);
  EXPECT_EQ(plain.ssh.pubkey_algorithms, defaults.pubkey_algorithms);
  const Config set = parse_ok(std::string(kMinimal) +
                              "[ssh]\nkex = [\"curve25519-sha256\"]\n"
                              "ciphers = [\"aes128-ctr\", \"chacha20-poly1305@openssh.com\"]\n"
                              "macs = [\"hmac-sha2-512\"]\n"
                              "host_key_algorithms = [\"rsa-sha2-256\"]\n"
                              "pubkey_algorithms = [\"ssh-ed25519\", \"ssh-rsa\"]\n");
  EXPECT_EQ(set.ssh.kex, std::vector<std::string>{"curve25519-sha256"});
  EXPECT_EQ(set.ssh.ciphers,
            (std::vector<std::string>{"aes128-ctr", "chacha20-poly1305@openssh.com"}));
  EXPECT_EQ(set.ssh.macs, std::vector<std::string>{"hmac-sha2-512"});
  EXPECT_EQ(set.ssh.host_key_algorithms, std::vector<std::string>{"rsa-sha2-256"});
  EXPECT_EQ(set.ssh.pubkey_algorithms, (std::vector<std::string>{"ssh-ed25519", "ssh-rsa"}));
  const Config partial = parse_ok(std::string(kMinimal) + "[ssh]\nmacs = [\"hmac-sha2-256\"]\n");
  EXPECT_EQ(partial.ssh.kex, defaults.kex);
  EXPECT_EQ(partial.ssh.macs, std::vector<std::string>{"hmac-sha2-256"});
  // examples/gitgate.toml documents every list with its default.
  auto example = load_config(fs::path(GITGATE_SOURCE_DIR) / "examples" / "gitgate.toml");
  ASSERT_TRUE(std::holds_alternative<Config>(example));
  const SshAlgorithms& documented = std::get<Config>(example).ssh;
  EXPECT_EQ(documented.kex, defaults.kex);
  EXPECT_EQ(documented.ciphers, defaults.ciphers);
  EXPECT_EQ(documented.macs, defaults.macs);
  EXPECT_EQ(documented.host_key_algorithms, defaults.host_key_algorithms);
  EXPECT_EQ(documented.pubkey_algorithms, defaults.pubkey_algorithms);
}

TEST(ConfigTest, SshSectionErrors) {
  const std::string minimal(kMinimal);  // lines 1-4, [ssh] on 5
  const std::string longest(64, 'a');   // RFC 4251: names are at most 64 characters
  const std::vector<BadConfig> cases = {
      {"empty lists",
       minimal + "[ssh]\nkex = []\nciphers = []\nmacs = []\nhost_key_algorithms = []\n"
                 "pubkey_algorithms = []\n",
       {{6, "ssh.kex must name at least one algorithm"},
        {7, "ssh.ciphers must name at least one"},
        {8, "ssh.macs must name at least one"},
        {9, "ssh.host_key_algorithms must name at least one"},
        {10, "ssh.pubkey_algorithms must name at least one"}}},
      {"names libssh does not know",
       minimal + "[ssh]\nkex = [\n  \"curve25519-sha256\",\n"
                 "  \"sntrup761x25519-sha512@openssh.com\",\n  \"hmac-sha2-256\",\n]\n"
                 "ciphers = [\"aes128-ocb\"]\nmacs = [\"hmac-md5\"]\n"
                 "host_key_algorithms = [\"ssh-ed448\"]\npubkey_algorithms = [\"rsa-sha2-384\"]\n",
       {{8, "'sntrup761x25519-sha512@openssh.com' is not a key exchange method that libssh"},
        {9, "'hmac-sha2-256' is not a key exchange method"},
        {11, "ssh.ciphers: 'aes128-ocb' is not a cipher"},
        {12, "ssh.macs: 'hmac-md5' is not a MAC"},
        {13, "ssh.host_key_algorithms: 'ssh-ed448' is not a host key algorithm"},
        {14, "ssh.pubkey_algorithms: 'rsa-sha2-384' is not a public key signature"}}},
      {"not one name each",
       minimal +
           "[ssh]\nkex = [\"curve25519-sha256,diffie-hellman-group1-sha1\"]\n"
           "ciphers = [\"\"]\nmacs = [\" hmac-sha2-256\"]\n"
           "host_key_algorithms = [\"" +
           longest +
           "\"]\n"
           "pubkey_algorithms = [\"" +
           longest + "b\"]\n",
       {{6, "ssh.kex: an algorithm name is 1-64 printable ASCII characters"},
        {7, "ssh.ciphers: an algorithm name"},
        {8, "ssh.macs: an algorithm name"},
        {9, "' is not a host key algorithm"},  // 64 characters: a name, unknown
        {10, "ssh.pubkey_algorithms: an algorithm name"}}},
      {"repeats",
       minimal + "[ssh]\nmacs = [\"hmac-sha2-256\", \"hmac-sha2-256\"]\n",
       {{6, "ssh.macs names 'hmac-sha2-256' twice"}}},
      {"types and keys",
       minimal + "[ssh]\nkex = \"curve25519-sha256\"\nciphers = [1]\nkex_algorithms = []\n",
       {{6, "ssh.kex must be an array of strings, not a string"},
        {7, "ssh.ciphers must hold only strings, not an integer"},
        {8, "unknown key 'kex_algorithms' in [ssh]"}}},
      {"ssh not a table",
       "ssh = [\"curve25519-sha256\"]\n" + minimal,
       {{1, "'ssh' must be a table"}}},
  };
  for (const BadConfig& bad : cases) {
    expect_errors(bad);
  }
}

TEST(ConfigTest, DefaultNodeIdIsStableAndPerHost) {
  const std::string a = default_node_id("gitgate-1");
  EXPECT_EQ(a.size(), 6U);
  EXPECT_TRUE(std::all_of(a.begin(), a.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  })) << a;
  EXPECT_EQ(default_node_id("gitgate-1"), a);
  EXPECT_NE(default_node_id("gitgate-2"), a);
  EXPECT_EQ(default_node_id("").size(), 6U);
  // A configured default parses back as a node_id.
  const Config config =
      parse_ok(fmt::format("[server]\nrepositories = \"r\"\nnode_id = \"{}\"\n[auth]\nusers = "
                           "\"u\"\n",
                           a));
  EXPECT_EQ(config.node_id, a);
}

// The examples shipped for the docs and the demo stay valid.
TEST(ConfigTest, ExamplesParse) {
  const fs::path examples = fs::path(GITGATE_SOURCE_DIR) / "examples";
  auto config = load_config(examples / "gitgate.toml");
  ASSERT_TRUE(std::holds_alternative<Config>(config))
      << errors_text(std::get<std::vector<ConfigError>>(config));
  EXPECT_EQ(std::get<Config>(config).listen.size(), 2U);
  // The documented [limits] and drain timeout are the built-in defaults: the load tests run
  // the example's values, and users who copy it get what gitgate does without it.
  const Limits& documented = std::get<Config>(config).limits;
  const Limits defaults;
  EXPECT_EQ(documented.max_connections, defaults.max_connections);
  EXPECT_EQ(documented.max_unauthenticated, defaults.max_unauthenticated);
  EXPECT_EQ(documented.max_per_source, defaults.max_per_source);
  EXPECT_EQ(documented.max_unauthenticated_per_source, defaults.max_unauthenticated_per_source);
  EXPECT_EQ(documented.early_drop_start, defaults.early_drop_start);
  EXPECT_EQ(documented.early_drop_percent, defaults.early_drop_percent);
  EXPECT_EQ(documented.login_grace_seconds, defaults.login_grace_seconds);
  EXPECT_EQ(documented.max_auth_tries, defaults.max_auth_tries);
  EXPECT_EQ(documented.keepalive_seconds, defaults.keepalive_seconds);
  EXPECT_EQ(documented.request.max_request_bytes, defaults.request.max_request_bytes);
  EXPECT_EQ(documented.request.max_wants, defaults.request.max_wants);
  EXPECT_EQ(documented.request.max_haves, defaults.request.max_haves);
  EXPECT_EQ(documented.request.max_shallow, defaults.request.max_shallow);
  EXPECT_EQ(documented.request.max_deepen_not, defaults.request.max_deepen_not);
  EXPECT_EQ(documented.request.max_ref_prefixes, defaults.request.max_ref_prefixes);
  EXPECT_EQ(documented.request.negotiation_budget, defaults.request.negotiation_budget);
  EXPECT_EQ(std::get<Config>(config).drain_accept_seconds, Config{}.drain_accept_seconds);
  EXPECT_EQ(std::get<Config>(config).drain_timeout_seconds, Config{}.drain_timeout_seconds);
  // Likewise [push]: the example documents every key with its default.
  const git::PushSettings& push = std::get<Config>(config).push;
  const git::PushSettings push_defaults;
  EXPECT_EQ(push.fsck, push_defaults.fsck);
  EXPECT_EQ(push.hooks, push_defaults.hooks);
  EXPECT_EQ(push.hook_timeout, push_defaults.hook_timeout);
  EXPECT_EQ(push.auto_maintenance, push_defaults.auto_maintenance);
  EXPECT_EQ(push.max_pack_bytes, push_defaults.max_pack_bytes);
  EXPECT_EQ(push.max_objects, push_defaults.max_objects);
  EXPECT_EQ(push.max_object_bytes, push_defaults.max_object_bytes);
  EXPECT_EQ(push.max_commands, push_defaults.max_commands);
  EXPECT_EQ(push.max_push_options, push_defaults.max_push_options);
  auto users = auth::UserDb::load(examples / "users.toml");
  ASSERT_TRUE(std::holds_alternative<auth::UserDb>(users))
      << std::get<std::vector<auth::FileError>>(users).at(0).message;
  EXPECT_EQ(std::get<auth::UserDb>(users).size(), 2U);
}

// A scratch directory with a config file, a users file and a repositories root.
class CheckConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / fmt::format("gitgate_config_test_{}", getpid());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "repos");
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const fs::path& name, std::string_view text) {
    std::ofstream out(dir_ / name);
    out << text;
  }

  int check(std::string& output) {
    std::ostringstream out;
    const int status = check_config(dir_ / "gitgate.toml", out);
    output = out.str();
    return status;
  }

  fs::path dir_;
};

constexpr std::string_view kUsers =
    "[[user]]\nname = \"alice\"\nid = 2\nkeys = [\"ssh-ed25519 "
    "AAAAC3NzaC1lZDI1NTE5AAAAIFjVNr2JwXXnJkedtuIVfzLJHUfUwbM0Vr4lZm869d5u alice@laptop\"]\n";

TEST_F(CheckConfigTest, SaysOkForAConsistentSetup) {
  write("gitgate.toml",
        "[server]\nlisten = [\"127.0.0.1:7999\", \"[::1]:7999\"]\nrepositories = \"repos\"\n"
        "[auth]\nusers = \"users.toml\"\n[access_log]\npath = \"access.log\"\n");
  write("users.toml", kUsers);
  std::string output;
  EXPECT_EQ(check(output), 0) << output;
  EXPECT_EQ(output, "config OK: 1 users, 2 listen addresses\n");
}

TEST_F(CheckConfigTest, PrintsEachErrorWithFileAndLine) {
  write("gitgate.toml",
        "[server]\nrepositories = \"nowhere\"\nhost_keys = [\"no/dir/key\"]\n"
        "[auth]\nusers = \"users.toml\"\n[access_log]\npath = \"x/y.log\"\n");
  write("users.toml", "[[user]]\nname = \"alice\"\nid = -2\nkeys = []\n");
  std::string output;
  EXPECT_EQ(check(output), 2);
  const std::string config = (dir_ / "gitgate.toml").string();
  const std::string users = (dir_ / "users.toml").string();
  EXPECT_EQ(output, users + ":3: 'id' must not be negative (got -2)\n" + config +
                        ":2: server.repositories: '" + (dir_ / "nowhere").string() +
                        "' is not a directory\n" + config + ":3: server.host_keys: neither '" +
                        (dir_ / "no/dir/key").string() + "' nor its directory exists\n" + config +
                        ":7: access_log.path: directory '" + (dir_ / "x").string() +
                        "' does not exist\n");
}

// What a SIGHUP reload checks is what check-config prints: the config only when nothing is
// wrong, the users counted, each error formatted as check-config prints it.
TEST_F(CheckConfigTest, ValidateGivesTheConfigOnlyWithoutErrors) {
  write("gitgate.toml",
        "[server]\nrepositories = \"repos\"\n[auth]\nusers = \"users.toml\"\n"
        "[limits]\nmax_per_source = 3\n");
  write("users.toml", kUsers);
  ConfigCheck valid = validate_config(dir_ / "gitgate.toml");
  ASSERT_TRUE(valid.config.has_value());
  EXPECT_TRUE(valid.errors.empty());
  EXPECT_EQ(valid.users, 1U);
  EXPECT_EQ(valid.config->limits.max_per_source, 3);
  EXPECT_EQ(valid.config->repositories, dir_ / "repos");

  // Valid TOML, but its users file is not: no config at all, the error as printed.
  write("users.toml", "[[user]]\nname = \"alice\"\nid = -2\nkeys = []\n");
  const ConfigCheck invalid = validate_config(dir_ / "gitgate.toml");
  EXPECT_FALSE(invalid.config.has_value());
  std::string output;
  EXPECT_EQ(check(output), 2);
  std::string printed;
  for (const std::string& error : invalid.errors) {
    printed += error + "\n";
  }
  EXPECT_EQ(printed, output);
  EXPECT_EQ(invalid.errors, std::vector<std::string>{(dir_ / "users.toml").string() +
                                                     ":3: 'id' must not be negative (got -2)"});
}

TEST_F(CheckConfigTest, ReportsConfigErrorsAndMissingFiles) {
  std::string output;
  EXPECT_EQ(check(output), 2);
  EXPECT_EQ(output,
            (dir_ / "gitgate.toml").string() + ": cannot open: No such file or directory\n");

  write("gitgate.toml",
        "[server]\nrepositories = \"repos\"\nlisten = [\"x\"]\n[auth]\n"
        "users = \"missing.toml\"\n");
  EXPECT_EQ(check(output), 2);
  EXPECT_EQ(output.rfind((dir_ / "gitgate.toml").string() + ":3: server.listen: 'x'", 0), 0U)
      << output;

  write("gitgate.toml", "[server]\nrepositories = \"repos\"\n[auth]\nusers = \"repos\"\n");
  EXPECT_EQ(check(output), 2);
  EXPECT_EQ(output, (dir_ / "gitgate.toml").string() + ":4: auth.users: '" +
                        (dir_ / "repos").string() + "': is a directory, not a users file\n");

  write("gitgate.toml", "[server]\nrepositories = \"repos\"\n[auth]\nusers = \"missing.toml\"\n");
  EXPECT_EQ(check(output), 2);
  // A users file that cannot be opened is reported at the line that names it.
  EXPECT_EQ(output, (dir_ / "gitgate.toml").string() + ":4: auth.users: '" +
                        (dir_ / "missing.toml").string() +
                        "': cannot open: No such file or directory\n");
}

TEST_F(CheckConfigTest, ChecksTheHostApiTokenFile) {
  write("gitgate.toml",
        "[server]\nrepositories = \"repos\"\n[auth]\nusers = \"users.toml\"\n"
        "api_url = \"http://127.0.0.1:1\"\napi_token_file = \"api.token\"\n");
  write("users.toml", kUsers);
  std::string output;
  EXPECT_EQ(check(output), 2);
  const std::string token = (dir_ / "api.token").string();
  EXPECT_EQ(output, (dir_ / "gitgate.toml").string() + ": auth.api_token_file: " + token +
                        ": cannot be read: No such file or directory\n");
  write("api.token", "two words\n");
  EXPECT_EQ(check(output), 2);
  EXPECT_NE(output.find("b64token"), std::string::npos) << output;
  EXPECT_EQ(output.find("two words"), std::string::npos) << output;  // no secret in the output
  write("api.token", "s3cret\n");
  EXPECT_EQ(check(output), 0) << output;
}

TEST_F(CheckConfigTest, LoadConfigResolvesAgainstTheFilesDirectory) {
  write("gitgate.toml", "[server]\nrepositories = \"repos\"\n[auth]\nusers = \"users.toml\"\n");
  auto loaded = load_config(dir_ / "gitgate.toml");
  ASSERT_TRUE(std::holds_alternative<Config>(loaded));
  EXPECT_EQ(std::get<Config>(loaded).repositories, dir_ / "repos");
  EXPECT_EQ(std::get<Config>(loaded).users, dir_ / "users.toml");
  // A relative config path still yields absolute paths.
  const fs::path cwd = fs::current_path();
  fs::current_path(dir_);
  auto relative = load_config("gitgate.toml");
  fs::current_path(cwd);
  ASSERT_TRUE(std::holds_alternative<Config>(relative));
  EXPECT_EQ(std::get<Config>(relative).repositories, dir_ / "repos");
  auto missing = load_config(dir_ / "none.toml");
  ASSERT_TRUE(std::holds_alternative<std::vector<ConfigError>>(missing));
  EXPECT_EQ(std::get<std::vector<ConfigError>>(missing).at(0).line, 0);
}

}  // namespace
}  // namespace gitgate::server
