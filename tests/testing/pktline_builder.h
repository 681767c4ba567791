// Test tool that speaks pkt-line: builds client requests and splits server output.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace gitgate::testing {

// Builds pkt-line input independently of git/pktline.cc (its own hex framing).
class PktBuilder {
 public:
  PktBuilder& data(std::string_view payload);  // "%04x" length + payload
  PktBuilder& line(std::string_view text);     // data(text + "\n")
  PktBuilder& flush();
  PktBuilder& delim();
  PktBuilder& raw(std::string_view bytes);
  const std::string& str() const { return out_; }

 private:
  std::string out_;
};

// One packet of server output as the tests look at it.
struct ParsedPacket {
  enum class Kind { kData, kFlush, kDelim, kResponseEnd };
  Kind kind = Kind::kFlush;
  std::string payload;
  bool operator==(const ParsedPacket&) const = default;
};

// Splits bytes into packets; stops (and sets *rest_offset) at the first malformed or
// truncated packet. Independent of the code under test.
std::vector<ParsedPacket> split_packets(std::string_view bytes, size_t* rest_offset = nullptr);

// The offset just past the first flush packet, walking the packets from the start (a search
// for "0000" can land inside an object id); npos when there is none before malformed bytes.
size_t after_first_flush(std::string_view bytes);

// The text of the data packets, each with one trailing LF removed; "0000", "0001",
// "0002" for the special packets.
std::vector<std::string> packet_texts(std::string_view bytes);

}  // namespace gitgate::testing
