#include "proxyproto/detail/v1.h"

#include <algorithm>
#include <string>
#include <utility>

#include "proxyproto/detail/common.h"
#include "proxyproto/detail/v1_address.h"

// Spec section 2.1, as one line of at most 107 bytes:
//
//   line     = "PROXY" SP ( tcp4 / tcp6 / unknown ) CRLF
//   tcp4     = "TCP4" SP ipv4 SP ipv4 SP port SP port
//   tcp6     = "TCP6" SP ipv6 SP ipv6 SP port SP port
//   unknown  = "UNKNOWN" [ SP *( any byte but CR and LF ) ]
//   ipv4     = 4 decimal numbers 0-255 joined by ".", no heading zeroes
//   ipv6     = RFC 4291 2.2 text form (1-4 hex digits a group, one "::", dotted-quad tail)
//   port     = decimal 0-65535, no heading zeroes
//
// Exactly one space between fields; a lone CR or LF never ends the line. "The receiver must
// ignore anything presented before the CRLF" of UNKNOWN; we still refuse a lone CR or LF in it,
// as everywhere else in the line.

namespace gitgate::proxyproto::detail {

namespace {

enum class Step : uint8_t { kDone, kNeedMore, kInvalid };

// The bytes of the line seen so far (never more than the 107 a line may take) and why it
// failed, if it did.
class Cursor {
 public:
  explicit Cursor(std::span<const uint8_t> bytes)
      : bytes_(bytes.first(std::min(bytes.size(), kV1MaxLength))) {}

  [[nodiscard]] bool at_end() const { return pos_ == bytes_.size(); }
  [[nodiscard]] char peek() const { return static_cast<char>(bytes_[pos_]); }
  [[nodiscard]] size_t pos() const { return pos_; }
  void advance(size_t n = 1) { pos_ += n; }
  [[nodiscard]] std::string_view text(size_t from, size_t to) const {
    return {reinterpret_cast<const char*>(bytes_.data()) + from, to - from};
  }

  // Out of bytes: more may come, unless all 107 bytes a line may take are already here.
  Step out_of_bytes() {
    if (bytes_.size() == kV1MaxLength) {
      return fail("no CRLF within the first 107 bytes");
    }
    return Step::kNeedMore;
  }
  Step fail(std::string reason) {
    reason_ = std::move(reason);
    return Step::kInvalid;
  }

  // Matches `literal` at the cursor (all of it, or the part that has arrived).
  Step expect(std::string_view literal, std::string_view what) {
    for (char ch : literal) {
      if (at_end()) {
        return out_of_bytes();
      }
      if (peek() != ch) {
        return fail("expected " + std::string(what));
      }
      advance();
    }
    return Step::kDone;
  }

  // CRLF; a CR followed by anything else, or an LF alone, is not a line end.
  Step line_end() {
    if (at_end()) {
      return out_of_bytes();
    }
    if (peek() == '\n') {
      return fail("LF without CR");
    }
    if (peek() != '\r') {
      return fail("expected CRLF, got " + hex(static_cast<uint8_t>(peek())));
    }
    advance();
    if (at_end()) {
      return out_of_bytes();
    }
    if (peek() != '\n') {
      return fail("CR not followed by LF");
    }
    advance();
    return Step::kDone;
  }

  [[nodiscard]] ParseResult result(Step step, Header header, size_t received) {
    switch (step) {
      case Step::kDone:
        header.length = pos_;
        return header;
      case Step::kNeedMore:
        return NeedMore{std::max(received + 1, kV1MinLength)};
      case Step::kInvalid:
        break;
    }
    return Invalid{"PROXY v1: " + reason_};
  }

 private:
  std::span<const uint8_t> bytes_;
  size_t pos_ = 0;
  std::string reason_;
};

enum class Protocol : uint8_t { kTcp4, kTcp6, kUnknown };

// "TCP4 " / "TCP6 " / "UNKNOWN", told apart by as many bytes as have arrived.
Step protocol(Cursor& c, Protocol* out) {
  if (c.at_end()) {
    return c.out_of_bytes();
  }
  if (c.peek() == 'U') {
    *out = Protocol::kUnknown;
    return c.expect("UNKNOWN", "TCP4, TCP6 or UNKNOWN");
  }
  Step step = c.expect("TCP", "TCP4, TCP6 or UNKNOWN");
  if (step != Step::kDone) {
    return step;
  }
  if (c.at_end()) {
    return c.out_of_bytes();
  }
  if (c.peek() != '4' && c.peek() != '6') {
    return c.fail("expected TCP4, TCP6 or UNKNOWN");
  }
  *out = c.peek() == '4' ? Protocol::kTcp4 : Protocol::kTcp6;
  c.advance();
  return c.expect(" ", "a single space after the protocol");
}

// What follows UNKNOWN: CRLF, or a space and anything up to CRLF.
Step unknown_rest(Cursor& c) {
  if (c.at_end()) {
    return c.out_of_bytes();
  }
  if (c.peek() != ' ') {
    return c.line_end();
  }
  c.advance();
  while (!c.at_end() && c.peek() != '\r' && c.peek() != '\n') {
    c.advance();
  }
  return c.line_end();
}

enum class Field : uint8_t { kSourceAddress, kDestinationAddress, kSourcePort, kDestinationPort };

constexpr std::string_view field_name(Field field) {
  switch (field) {
    case Field::kSourceAddress:
      return "source address";
    case Field::kDestinationAddress:
      return "destination address";
    case Field::kSourcePort:
      return "source port";
    case Field::kDestinationPort:
      return "destination port";
  }
  return "field";
}

// One field, up to its delimiter (a space, or the CR of the line end for the last port). A
// partial field must still be able to become valid; `check` judges both.
template <typename Check>
Step field(Cursor& c, Field which, char delimiter, Check check) {
  const size_t start = c.pos();
  while (!c.at_end() && c.peek() != delimiter) {
    c.advance();
  }
  const bool complete = !c.at_end();
  const std::string_view text = c.text(start, c.pos());
  const std::string_view why = check(text, complete);
  if (!why.empty()) {
    return c.fail("invalid " + std::string(field_name(which)) + ": " + std::string(why));
  }
  if (!complete) {
    return c.out_of_bytes();
  }
  if (delimiter == ' ') {
    c.advance();
  }
  return Step::kDone;
}

Step endpoints(Cursor& c, Protocol protocol, Header* header) {
  auto address = [protocol](net::SocketAddress* out) {
    return [protocol, out](std::string_view text, bool complete) {
      if (protocol == Protocol::kTcp4) {
        std::array<uint8_t, 4> ip{};
        const std::string_view why = check_ipv4(text, complete, &ip);
        if (why.empty() && complete) {
          *out = net::SocketAddress::ipv4(ip, 0);
        }
        return why;
      }
      std::array<uint8_t, 16> ip{};
      const std::string_view why = check_ipv6(text, complete, &ip);
      if (why.empty() && complete) {
        *out = ipv6_address(ip, 0);
      }
      return why;
    };
  };
  auto port = [](uint16_t* out) {
    return [out](std::string_view text, bool complete) { return check_port(text, complete, out); };
  };
  uint16_t source_port = 0;
  uint16_t destination_port = 0;
  Step step = field(c, Field::kSourceAddress, ' ', address(&header->source));
  if (step == Step::kDone) {
    step = field(c, Field::kDestinationAddress, ' ', address(&header->destination));
  }
  if (step == Step::kDone) {
    step = field(c, Field::kSourcePort, ' ', port(&source_port));
  }
  if (step == Step::kDone) {
    step = field(c, Field::kDestinationPort, '\r', port(&destination_port));
  }
  if (step == Step::kDone) {
    step = c.line_end();
  }
  header->source.port = source_port;
  header->destination.port = destination_port;
  return step;
}

}  // namespace

ParseResult parse_v1(std::span<const uint8_t> bytes) {
  Cursor c(bytes);
  Header header;
  header.version = Version::kV1;
  header.command = Command::kProxy;
  Step step = c.expect("PROXY ", "\"PROXY \"");
  Protocol proto = Protocol::kUnknown;
  if (step == Step::kDone) {
    step = protocol(c, &proto);
  }
  if (step == Step::kDone && proto == Protocol::kUnknown) {
    // UNKNOWN: no addresses; the receiver uses the connection's own (section 2.1).
    step = unknown_rest(c);
  } else if (step == Step::kDone) {
    header.family = proto == Protocol::kTcp4 ? AddressFamily::kInet : AddressFamily::kInet6;
    header.transport = Transport::kStream;
    step = endpoints(c, proto, &header);
  }
  if (step != Step::kDone) {
    return c.result(step, Header{}, bytes.size());
  }
  return c.result(step, std::move(header), bytes.size());
}

}  // namespace gitgate::proxyproto::detail
