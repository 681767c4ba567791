#include "server/admission.h"

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstdio>

namespace gitgate::server {
namespace {

// IPv6 clients are grouped by the first 64 bits: a subscriber gets a /64 (or more) and
// picks addresses inside it at will (RFC 4941), so counting /128s would count nothing.
constexpr size_t kIpv6SourcePrefixBytes = 8;
constexpr double kPercent = 100.0;

}  // namespace

Limits resolve_limits(const Limits& configured, uint64_t descriptor_limit) {
  Limits limits = configured;
  if (limits.max_connections <= 0) {
    const uint64_t usable =
        descriptor_limit > kReservedDescriptors ? descriptor_limit - kReservedDescriptors : 0;
    limits.max_connections = static_cast<int>(std::clamp<uint64_t>(
        usable / kDescriptorsPerConnection, 1, static_cast<uint64_t>(kMaxDefaultConnections)));
  }
  if (limits.max_unauthenticated <= 0) {
    limits.max_unauthenticated = std::max(1, limits.max_connections / 2);
  }
  limits.max_unauthenticated = std::min(limits.max_unauthenticated, limits.max_connections);
  limits.max_per_source = std::min(limits.max_per_source, limits.max_connections);
  limits.max_unauthenticated_per_source =
      std::min(limits.max_unauthenticated_per_source, limits.max_unauthenticated);
  if (limits.early_drop_start <= 0) {
    limits.early_drop_start = std::max(1, limits.max_unauthenticated / 2);
  }
  limits.early_drop_start = std::min(limits.early_drop_start, limits.max_unauthenticated);
  return limits;
}

uint64_t raise_descriptor_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return 0;
  }
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) {
      limit = raised;
    }
  }
  return limit.rlim_cur == RLIM_INFINITY ? UINT64_MAX : static_cast<uint64_t>(limit.rlim_cur);
}

std::string source_key(const net::SocketAddress& client) {
  using Family = net::SocketAddress::Family;
  if (client.family != Family::kIPv6) {
    return client.ip_string();
  }
  constexpr std::array<uint8_t, 12> kV4MappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(kV4MappedPrefix.begin(), kV4MappedPrefix.end(), client.ip.begin())) {
    return net::SocketAddress::ipv4({client.ip[12], client.ip[13], client.ip[14], client.ip[15]}, 0)
        .ip_string();
  }
  std::array<uint8_t, 16> prefix{};
  std::copy_n(client.ip.begin(), kIpv6SourcePrefixBytes, prefix.begin());
  return net::SocketAddress::ipv6(prefix, 0).ip_string() + "/64";
}

Admission::Admission(const Limits& resolved) : limits_(resolved) {}

std::optional<AdmissionTicket> Admission::accept(int fd, Verdict* refused) {
  const std::lock_guard lock(mu_);
  if (open_ >= static_cast<size_t>(limits_.max_connections)) {
    *refused = Verdict::kTooManyConnections;
    return std::nullopt;
  }
  if (unauthenticated_ >= static_cast<size_t>(limits_.max_unauthenticated)) {
    *refused = Verdict::kTooManyUnauthenticated;
    return std::nullopt;
  }
  ++open_;
  ++unauthenticated_;
  const uint64_t id = ++next_id_;
  unauthenticated_fds_.emplace(id, fd);
  return AdmissionTicket(*this, id);
}

// MaxStartups start:rate:full over the pool of connections waiting to authenticate.
bool Admission::early_drop(double chance) const {
  const auto start = static_cast<size_t>(limits_.early_drop_start);
  const auto full = static_cast<size_t>(limits_.max_unauthenticated);
  if (unauthenticated_ <= start) {
    return false;
  }
  if (unauthenticated_ >= full) {
    return true;
  }
  const double rate = limits_.early_drop_percent / kPercent;
  const double above =
      static_cast<double>(unauthenticated_ - start) / static_cast<double>(full - start);
  return chance < rate + (1.0 - rate) * above;
}

Admission::Verdict Admission::identify(const std::optional<std::string>& source, double chance) {
  const std::lock_guard lock(mu_);
  if (!source.has_value()) {
    return Verdict::kAdmitted;  // a balancer's health check
  }
  SourceCount& count = per_source_[*source];
  Verdict verdict = Verdict::kAdmitted;
  if (count.unauthenticated >= static_cast<size_t>(limits_.max_unauthenticated_per_source)) {
    verdict = Verdict::kTooManyUnauthenticatedFromSource;
  } else if (count.open >= static_cast<size_t>(limits_.max_per_source)) {
    verdict = Verdict::kTooManyFromSource;
  } else if (early_drop(chance)) {
    verdict = Verdict::kEarlyDrop;
  }
  if (verdict != Verdict::kAdmitted) {
    if (count.open == 0) {
      per_source_.erase(*source);
    }
    return verdict;
  }
  ++count.open;
  ++count.unauthenticated;
  return verdict;
}

void Admission::authenticated(uint64_t id, const std::optional<std::string>& source) {
  const std::lock_guard lock(mu_);
  --unauthenticated_;
  unauthenticated_fds_.erase(id);
  if (source.has_value()) {
    if (auto it = per_source_.find(*source); it != per_source_.end()) {
      --it->second.unauthenticated;
    }
  }
}

void Admission::release(uint64_t id, const std::optional<std::string>& source,
                        bool was_authenticated) {
  // Notified under the lock: once open_ reaches 0 the waiter may destroy this object, so
  // nothing here may touch it after the mutex is released.
  const std::lock_guard lock(mu_);
  if (!was_authenticated) {
    --unauthenticated_;
    unauthenticated_fds_.erase(id);
  }
  --open_;
  if (source.has_value()) {
    auto it = per_source_.find(*source);
    if (it != per_source_.end()) {
      if (!was_authenticated) {
        --it->second.unauthenticated;
      }
      if (--it->second.open == 0) {
        per_source_.erase(it);
      }
    }
  }
  idle_.notify_all();
}

size_t Admission::open_connections() const {
  const std::lock_guard lock(mu_);
  return open_;
}

size_t Admission::unauthenticated_connections() const {
  const std::lock_guard lock(mu_);
  return unauthenticated_;
}

size_t Admission::wait_until_idle(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mu_);
  idle_.wait_until(lock, deadline, [this] { return open_ == 0; });
  return open_;
}

// Under the lock, so a descriptor is never shut down after its owner closed it (the owner
// calls forget_socket() first, which takes the same lock).
size_t Admission::cut_unauthenticated() {
  const std::lock_guard lock(mu_);
  for (const auto& [id, fd] : unauthenticated_fds_) {
    shutdown(fd, SHUT_RDWR);
  }
  return unauthenticated_fds_.size();
}

Limits Admission::limits() const {
  const std::lock_guard lock(mu_);
  return limits_;
}

void Admission::set_limits(const Limits& resolved) {
  const std::lock_guard lock(mu_);
  limits_ = resolved;
}

std::string Admission::describe(Verdict verdict, const std::string& source) const {
  const Limits current = limits();  // a copy: set_limits() may run on the signal thread
  switch (verdict) {
    case Verdict::kAdmitted:
      return "admitted";
    case Verdict::kTooManyConnections:
      return "connection limit: " + std::to_string(current.max_connections) + " connections open";
    case Verdict::kTooManyUnauthenticated:
      return "unauthenticated limit: " + std::to_string(current.max_unauthenticated) +
             " connections not yet authenticated";
    case Verdict::kTooManyFromSource:
      return "per-source limit: " + std::to_string(current.max_per_source) +
             " connections open from " + source;
    case Verdict::kTooManyUnauthenticatedFromSource:
      return "per-source limit: " + std::to_string(current.max_unauthenticated_per_source) +
             " connections not yet authenticated from " + source;
    case Verdict::kEarlyDrop:
      return "early drop: more than " + std::to_string(current.early_drop_start) +
             " connections not yet authenticated";
  }
  return "unknown";
}

AdmissionTicket::AdmissionTicket(Admission& admission, uint64_t id)
    : admission_(&admission), id_(id), accepted_at_(std::chrono::steady_clock::now()) {}

AdmissionTicket::AdmissionTicket(AdmissionTicket&& other) noexcept
    : admission_(other.admission_),
      id_(other.id_),
      accepted_at_(other.accepted_at_),
      source_(std::move(other.source_)),
      authenticated_(other.authenticated_) {
  other.admission_ = nullptr;
}

AdmissionTicket::~AdmissionTicket() {
  if (admission_ != nullptr) {
    admission_->release(id_, source_, authenticated_);
  }
}

Admission::Verdict AdmissionTicket::identify(const std::optional<std::string>& source,
                                             double chance) {
  const Admission::Verdict verdict = admission_->identify(source, chance);
  if (verdict == Admission::Verdict::kAdmitted) {
    source_ = source;
  }
  return verdict;
}

void AdmissionTicket::mark_authenticated() {
  if (admission_ != nullptr && !authenticated_) {
    authenticated_ = true;
    admission_->authenticated(id_, source_);
  }
}

void AdmissionTicket::forget_socket() {
  if (admission_ != nullptr && !authenticated_) {
    const std::lock_guard lock(admission_->mu_);
    admission_->unauthenticated_fds_.erase(id_);
  }
}

}  // namespace gitgate::server
