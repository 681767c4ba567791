#include "auth/detail/ssh_wire.h"

#include <algorithm>

namespace gitgate::auth::detail {

std::optional<Bytes> WireReader::take(size_t count) {
  if (count > bytes_.size()) {
    return std::nullopt;
  }
  Bytes taken = bytes_.first(count);
  bytes_ = bytes_.subspan(count);
  return taken;
}

std::optional<uint8_t> WireReader::u8() {
  auto taken = take(1);
  return taken ? std::optional<uint8_t>((*taken)[0]) : std::nullopt;
}

std::optional<uint32_t> WireReader::u32() {
  auto taken = take(4);
  if (!taken) {
    return std::nullopt;
  }
  uint32_t value = 0;
  for (const uint8_t byte : *taken) {
    value = (value << 8U) | byte;
  }
  return value;
}

std::optional<uint64_t> WireReader::u64() {
  auto taken = take(8);
  if (!taken) {
    return std::nullopt;
  }
  uint64_t value = 0;
  for (const uint8_t byte : *taken) {
    value = (value << 8U) | byte;
  }
  return value;
}

std::optional<Bytes> WireReader::string() {
  const Bytes before = bytes_;
  auto length = u32();
  if (!length) {
    return std::nullopt;
  }
  auto body = take(*length);
  if (!body) {
    bytes_ = before;
  }
  return body;
}

std::optional<std::string_view> WireReader::text() {
  const Bytes before = bytes_;
  auto body = string();
  if (!body) {
    return std::nullopt;
  }
  if (std::find(body->begin(), body->end(), uint8_t{0}) != body->end()) {
    bytes_ = before;
    return std::nullopt;
  }
  return as_text(*body);
}

std::optional<Bytes> WireReader::positive_mpint(size_t max_bytes) {
  const Bytes before = bytes_;
  auto body = string();
  if (!body) {
    return std::nullopt;
  }
  if (!body->empty() && ((*body)[0] & 0x80U) != 0) {
    bytes_ = before;
    return std::nullopt;  // negative
  }
  const auto first = std::find_if(body->begin(), body->end(), [](uint8_t b) { return b != 0; });
  Bytes magnitude = body->subspan(static_cast<size_t>(first - body->begin()));
  if (magnitude.size() > max_bytes) {
    bytes_ = before;
    return std::nullopt;
  }
  return magnitude;
}

void put_u32(std::vector<uint8_t>& out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<uint8_t>(value >> static_cast<unsigned>(shift)));
  }
}

void put_string(std::vector<uint8_t>& out, Bytes bytes) {
  put_u32(out, static_cast<uint32_t>(bytes.size()));
  out.insert(out.end(), bytes.begin(), bytes.end());
}

void put_string(std::vector<uint8_t>& out, std::string_view text) {
  put_string(out, Bytes(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

void put_positive_mpint(std::vector<uint8_t>& out, Bytes magnitude) {
  const bool pad = !magnitude.empty() && (magnitude[0] & 0x80U) != 0;
  put_u32(out, static_cast<uint32_t>(magnitude.size() + (pad ? 1 : 0)));
  if (pad) {
    out.push_back(0);
  }
  out.insert(out.end(), magnitude.begin(), magnitude.end());
}

}  // namespace gitgate::auth::detail
