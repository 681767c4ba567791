// proxyproto::parse() on the headers gitgate meets: v1 TCP4/TCP6 lines, a bare v2 IPv4 header,
// and AWS NLB's v2 header with CRC32C, VPC endpoint id and NOOP padding. Each input carries the
// SSH banner after the header, as on the wire.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "proxyproto/proxy_protocol.h"

namespace {

using gitgate::proxyproto::Header;
using gitgate::proxyproto::parse;

constexpr std::string_view kBanner = "SSH-2.0-OpenSSH_9.2p1\r\n";

std::vector<uint8_t> text(std::string_view header) {
  std::vector<uint8_t> out(header.begin(), header.end());
  out.insert(out.end(), kBanner.begin(), kBanner.end());
  return out;
}

std::vector<uint8_t> binary(std::initializer_list<uint8_t> header, size_t zeros = 0) {
  std::vector<uint8_t> out(header);
  out.insert(out.end(), zeros, 0);
  out.insert(out.end(), kBanner.begin(), kBanner.end());
  return out;
}

void run(benchmark::State& state, const std::vector<uint8_t>& input) {
  size_t length = 0;
  for (auto _ : state) {
    auto result = parse(input);
    benchmark::DoNotOptimize(result);
    length = std::get<Header>(result).length;
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * length));
}

void v1_tcp4(benchmark::State& state) {
  run(state, text("PROXY TCP4 203.0.113.9 10.0.0.5 50123 7999\r\n"));
}

void v1_tcp6(benchmark::State& state) {
  run(state, text("PROXY TCP6 2001:db8:85a3::8a2e:370:7334 2001:db8::5 50123 7999\r\n"));
}

void v2_ipv4(benchmark::State& state) {
  run(state,
      binary({0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x21, 0x11,
              0x00, 0x0c, 203,  0,    113,  9,    10,   0,    0,    5,    0xc3, 0xcb, 0x1f, 0x3f}));
}

// AWS's own example (elastic-load-balancing-tools, as go-proxyproto's tests carry it).
void v2_aws_tlvs(benchmark::State& state) {
  run(state, binary({0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x21,
                     0x11, 0x00, 0x54, 0xac, 0x1f, 0x07, 0x71, 0xac, 0x1f, 0x0a, 0x1f, 0xc8, 0xf2,
                     0x00, 0x50, 0x03, 0x00, 0x04, 0xe8, 0xd6, 0x89, 0x2d, 0xea, 0x00, 0x17, 0x01,
                     0x76, 0x70, 0x63, 0x65, 0x2d, 0x30, 0x38, 0x64, 0x32, 0x62, 0x66, 0x31, 0x35,
                     0x66, 0x61, 0x63, 0x35, 0x30, 0x30, 0x31, 0x63, 0x39, 0x04, 0x00, 0x24},
                    36));
}

}  // namespace

BENCHMARK(v1_tcp4);
BENCHMARK(v1_tcp6);
BENCHMARK(v2_ipv4);
BENCHMARK(v2_aws_tlvs);
