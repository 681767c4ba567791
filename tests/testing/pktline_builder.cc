#include "tests/testing/pktline_builder.h"

#include <fmt/format.h>

#include <charconv>

namespace gitgate::testing {

PktBuilder& PktBuilder::data(std::string_view payload) {
  out_ += fmt::format("{:04x}", payload.size() + 4);
  out_.append(payload);
  return *this;
}

PktBuilder& PktBuilder::line(std::string_view text) { return data(std::string(text) + "\n"); }
PktBuilder& PktBuilder::flush() { return raw("0000"); }
PktBuilder& PktBuilder::delim() { return raw("0001"); }
PktBuilder& PktBuilder::raw(std::string_view bytes) {
  out_.append(bytes);
  return *this;
}

std::vector<ParsedPacket> split_packets(std::string_view bytes, size_t* rest_offset) {
  std::vector<ParsedPacket> packets;
  size_t pos = 0;
  while (bytes.size() - pos >= 4) {
    unsigned length = 0;
    const char* first = bytes.data() + pos;
    auto [end, ec] = std::from_chars(first, first + 4, length, 16);
    if (ec != std::errc() || end != first + 4 || length == 3 ||
        (length >= 4 && bytes.size() - pos < length)) {
      break;
    }
    ParsedPacket packet;
    if (length < 4) {
      packet.kind = static_cast<ParsedPacket::Kind>(length + 1);
      pos += 4;
    } else {
      packet.kind = ParsedPacket::Kind::kData;
      packet.payload = std::string(bytes.substr(pos + 4, length - 4));
      pos += length;
    }
    packets.push_back(std::move(packet));
  }
  if (rest_offset != nullptr) {
    *rest_offset = pos;
  }
  return packets;
}

size_t after_first_flush(std::string_view bytes) {
  size_t pos = 0;
  for (const ParsedPacket& packet : split_packets(bytes)) {
    pos += packet.kind == ParsedPacket::Kind::kData ? packet.payload.size() + 4 : 4;
    if (packet.kind == ParsedPacket::Kind::kFlush) {
      return pos;
    }
  }
  return std::string_view::npos;
}

std::vector<std::string> packet_texts(std::string_view bytes) {
  std::vector<std::string> texts;
  for (auto& packet : split_packets(bytes)) {
    if (packet.kind != ParsedPacket::Kind::kData) {
      texts.push_back(fmt::format("{:04x}", static_cast<int>(packet.kind) - 1));
      continue;
    }
    if (!packet.payload.empty() && packet.payload.back() == '\n') {
      packet.payload.pop_back();
    }
    texts.push_back(std::move(packet.payload));
  }
  return texts;
}

}  // namespace gitgate::testing
