// libFuzzer target for proxyproto::parse(): any bytes, and prefixes of them, must give a
// consistent answer without crashing. Seeds: tests/fuzz/corpus/proxy_protocol_fuzz/, the test
// vectors of tests/proxyproto/v1_test.cc and v2_test.cc.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <variant>

#include "proxyproto/proxy_protocol.h"

namespace {

using gitgate::proxyproto::Detection;
using gitgate::proxyproto::Header;
using gitgate::proxyproto::Invalid;
using gitgate::proxyproto::NeedMore;
using gitgate::proxyproto::ParseOptions;
using gitgate::proxyproto::ParseResult;

void require(bool condition) {
  if (!condition) std::abort();
}

// Touches every typed accessor, so malformed TLVs that parsed are read too.
void read_everything(const Header& h) {
  (void)h.has_addresses();
  (void)h.source.to_string();
  (void)h.destination.to_string();
  (void)h.alpn();
  (void)h.authority();
  (void)h.unique_id();
  (void)h.netns();
  (void)h.crc32c();
  (void)h.aws_vpce_id();
  (void)h.azure_link_id();
  (void)h.gcp_psc_connection_id();
  if (auto ssl = h.ssl()) {
    (void)ssl->version();
    (void)ssl->cn();
  }
}

// Invariants of one prefix's result, given the whole input's.
void check_prefix(std::span<const uint8_t> bytes, size_t k, const ParseResult& whole) {
  const ParseResult r = gitgate::proxyproto::parse(bytes.first(k));
  if (const auto* more = std::get_if<NeedMore>(&r)) {
    require(more->at_least > k);
    // What a prefix still waits for, the whole input either completes or rules out.
    if (const auto* h = std::get_if<Header>(&whole)) require(more->at_least <= h->length);
  } else if (const auto* h = std::get_if<Header>(&r)) {
    // A header, once complete, is not changed by the bytes that follow it.
    require(std::holds_alternative<Header>(whole) && std::get<Header>(whole) == *h);
  } else {
    // Invalid stays invalid: no byte after it can make the input valid.
    require(std::holds_alternative<Invalid>(whole));
    require(!std::get<Invalid>(r).reason.empty());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);
  const ParseResult whole = gitgate::proxyproto::parse(bytes);
  const Detection detection = gitgate::proxyproto::detect(bytes);
  if (detection == Detection::kNotProxy) require(std::holds_alternative<Invalid>(whole));
  if (detection == Detection::kNeedMore) require(std::holds_alternative<NeedMore>(whole));
  if (const auto* more = std::get_if<NeedMore>(&whole)) require(more->at_least > size);

  if (const auto* h = std::get_if<Header>(&whole)) {
    require(h->length <= size);
    require(h->length >= gitgate::proxyproto::kV1MinLength);
    // Exactly the header's bytes give the same header.
    const ParseResult exact = gitgate::proxyproto::parse(bytes.first(h->length));
    require(std::holds_alternative<Header>(exact) && std::get<Header>(exact) == *h);
    // A tighter v2 cap refuses it exactly when it is longer than the cap.
    const ParseResult capped = gitgate::proxyproto::parse(bytes, ParseOptions{64});
    if (h->version == gitgate::proxyproto::Version::kV2) {
      require(std::holds_alternative<Header>(capped) == (h->length <= 64));
    }
    read_everything(*h);
  }

  // Every prefix up to a whole v1 line (which covers the v2 fixed bytes), a stride of the rest,
  // and the bytes around the end of a parsed header.
  for (size_t k = 0; k < size; k += k <= gitgate::proxyproto::kV1MaxLength ? 1 : 61) {
    check_prefix(bytes, k, whole);
  }
  if (const auto* h = std::get_if<Header>(&whole)) {
    check_prefix(bytes, h->length - 1, whole);
    check_prefix(bytes, h->length, whole);
  }
  return 0;
}
