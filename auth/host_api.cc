#include "auth/host_api.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "auth/detail/host_api_reply.h"
#include "auth/detail/reply_cache.h"

namespace gitgate::auth {
namespace {

using Clock = std::chrono::steady_clock;
using Kind = ApiFailure::Kind;

constexpr std::string_view kKeyPath = "/ssh/key";
constexpr std::string_view kAllowedPath = "/ssh/allowed";

// CURLOPT_WRITEFUNCTION: returning less than it was given makes curl fail the transfer with
// CURLE_WRITE_ERROR, which is how a reply over kMaxReplyBytes ends.
size_t on_body(char* data, size_t size, size_t count, void* user) {
  const size_t bytes = size * count;
  auto* body = static_cast<std::string*>(user);
  return detail::append_reply_chunk(*body, std::string_view(data, bytes)) ? bytes : 0;
}

std::string cache_key(std::string_view path, const std::string& body) {
  std::string key(path);
  key += '\n';
  key += body;
  return key;
}

ApiFailure transfer_failure(CURL* curl, CURLcode code, const char* error,
                            std::chrono::milliseconds timeout, const std::string& url) {
  if (code == CURLE_OPERATION_TIMEDOUT) {
    return ApiFailure{Kind::kTimeout,
                      fmt::format("no reply from {} within {} ms", url, timeout.count())};
  }
  if (code == CURLE_WRITE_ERROR) {
    return ApiFailure{Kind::kUnexpected, fmt::format("the reply from {} is larger than {} bytes",
                                                     url, detail::kMaxReplyBytes)};
  }
  if (code == CURLE_COULDNT_CONNECT) {
    long os_error = 0;
    curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &os_error);
    std::array<char, 128> text{};
    const char* why = os_error != 0
                          ? strerror_r(static_cast<int>(os_error), text.data(), text.size())
                          : "cannot connect";
    return ApiFailure{Kind::kUnreachable, fmt::format("{}: {}", url, why)};
  }
  const std::string why = error[0] != '\0' ? error : curl_easy_strerror(code);
  return ApiFailure{Kind::kUnreachable, fmt::format("{}: {}", url, why)};
}

}  // namespace

std::string ApiFailure::describe() const {
  switch (kind) {
    case Kind::kTimeout:
      return "timeout: " + detail;
    case Kind::kUnreachable:
      return "unreachable: " + detail;
    case Kind::kUnauthorized:
      return "unauthorized: " + detail;
    case Kind::kServerError:
      return "server error: " + detail;
    case Kind::kUnexpected:
      return "unexpected reply: " + detail;
    case Kind::kMalformed:
      return "malformed reply: " + detail;
  }
  return detail;
}

std::string_view action_name(Action action) { return action == Action::kWrite ? "write" : "read"; }

void HostApi::global_init() { curl_global_init(CURL_GLOBAL_DEFAULT); }

void HostApi::global_cleanup() { curl_global_cleanup(); }

HostApi::HostApi(HostApiSettings settings)
    : settings_(std::move(settings)),
      cache_(std::make_unique<detail::ReplyCache>(settings_.cache_ttl)) {}

HostApi::~HostApi() = default;

std::string HostApi::reload_token() {
  std::ifstream in(settings_.token_file, std::ios::binary);
  if (!in) {
    return fmt::format("{}: cannot be read: {}", settings_.token_file.string(),
                       std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto [token, problem] = detail::parse_token_file(text.str());
  if (!problem.empty()) {
    return settings_.token_file.string() + ": " + problem;
  }
  const std::lock_guard lock(token_mu_);
  token_ = std::move(token);
  return {};
}

std::chrono::milliseconds HostApi::timeout_until(std::optional<Clock::time_point> deadline) const {
  if (!deadline) {
    return settings_.timeout;
  }
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - Clock::now());
  return std::min(settings_.timeout, left);
}

KeyLookup HostApi::lookup_key(const KeyQuery& query) {
  return key_call(detail::key_request(query), query.deadline);
}

KeyLookup HostApi::lookup_principal(const PrincipalQuery& query) {
  return key_call(detail::principal_request(query), query.deadline);
}

KeyLookup HostApi::key_call(const std::string& body, std::optional<Clock::time_point> deadline) {
  const std::string key = cache_key(kKeyPath, body);
  if (auto cached = cache_->find(key, Clock::now())) {
    return std::get<ApiUser>(*cached);
  }
  auto reply = post(kKeyPath, body, timeout_until(deadline));
  if (auto* failed = std::get_if<ApiFailure>(&reply)) {
    return std::move(*failed);
  }
  const Reply& got = std::get<Reply>(reply);
  KeyLookup answer = detail::parse_key_reply(got.status, got.body);
  if (const auto* user = std::get_if<ApiUser>(&answer)) {
    cache_->store(key, *user, Clock::now());
  }
  return answer;
}

AccessReply HostApi::allowed(const AccessQuery& query) {
  const std::string body = detail::allowed_request(query);
  const std::string key = cache_key(kAllowedPath, body);
  if (cache_->find(key, Clock::now())) {
    return Allowed{};
  }
  auto reply = post(kAllowedPath, body, settings_.timeout);
  if (auto* failed = std::get_if<ApiFailure>(&reply)) {
    return std::move(*failed);
  }
  const Reply& got = std::get<Reply>(reply);
  AccessReply answer = detail::parse_allowed_reply(got.status, got.body);
  if (std::holds_alternative<Allowed>(answer)) {
    cache_->store(key, Allowed{}, Clock::now());
  }
  return answer;
}

// One easy handle per call: calls come from the connection threads, and a handle must not be
// used by two at once. CURLOPT_NOSIGNAL: no SIGALRM for name-resolution timeouts, which
// would hit whichever thread the signal lands on.
std::variant<HostApi::Reply, ApiFailure> HostApi::post(std::string_view path,
                                                       const std::string& body,
                                                       std::chrono::milliseconds timeout) {
  const std::string url = settings_.url + std::string(path);
  if (timeout.count() <= 0) {
    return ApiFailure{Kind::kTimeout, fmt::format("no time left to ask {} before the login "
                                                  "deadline",
                                                  url)};
  }
  const std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> handle(curl_easy_init(),
                                                                   curl_easy_cleanup);
  if (handle == nullptr) {
    return ApiFailure{Kind::kUnexpected, "curl_easy_init failed"};
  }
  std::string authorization;
  {
    const std::lock_guard lock(token_mu_);
    authorization = "Authorization: Bearer " + token_;
  }
  curl_slist* list = nullptr;
  for (const char* header : {"Content-Type: application/json", "Accept: application/json",
                             "Expect:", authorization.c_str()}) {
    curl_slist* grown = curl_slist_append(list, header);
    if (grown == nullptr) {
      curl_slist_free_all(list);
      return ApiFailure{Kind::kUnexpected, "out of memory for the request headers"};
    }
    list = grown;
  }
  const std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(list,
                                                                            curl_slist_free_all);
  Reply reply;
  std::array<char, CURL_ERROR_SIZE> error{};
  CURL* curl = handle.get();
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_PROXY, "");  // not the environment's http_proxy
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "gitgate");
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error.data());
  const CURLcode code = curl_easy_perform(curl);
  if (code != CURLE_OK) {
    return transfer_failure(curl, code, error.data(), timeout, url);
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  return reply;
}

}  // namespace gitgate::auth
