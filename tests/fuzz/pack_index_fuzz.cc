// Feeds arbitrary bytes to parse_pack_index, parse_pack_header and parse_entry_header;
// checks what a successful parse promises (lookups find every listed object, headers
// stay inside the input and encode back to an equal header).
#include <cstring>

#include "git/pack/pack_entry.h"
#include "git/pack/pack_index.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

namespace pack = gitgate::git::pack;

using gitgate::fuzz::check;

void check_index(std::span<const uint8_t> input) {
  auto parsed = pack::parse_pack_index(input);
  if (const auto* index = std::get_if<pack::PackIndex>(&parsed)) {
    check(index->size() <= input.size() / 28);
    for (uint32_t i = 0; i < index->size(); ++i) {
      check(index->find(index->oid(i)) == i);
      (void)index->offset(i);
      (void)index->crc32(i);
    }
  }
}

void check_entry(std::span<const uint8_t> input) {
  // The entry's own offset comes from the first bytes, so distances are exercised both
  // inside and outside the pack.
  uint64_t offset = 0;
  if (input.size() >= 8) {
    std::memcpy(&offset, input.data(), 8);
    input = input.subspan(8);
  }
  auto parsed = pack::parse_entry_header(input, offset);
  const auto* header = std::get_if<pack::EntryHeader>(&parsed);
  if (header == nullptr) {
    return;
  }
  check(header->header_length <= input.size());
  check(header->header_length <= pack::kMaxEntryHeaderSize);
  pack::EncodedHeader encoded;
  switch (header->type) {
    case pack::EntryType::kOfsDelta:
      check(header->base_offset >= pack::kPackHeaderSize && header->base_offset < offset);
      encoded = pack::encode_ofs_delta_header(header->size, offset - header->base_offset);
      break;
    case pack::EntryType::kRefDelta:
      encoded = pack::encode_ref_delta_header(header->size, header->base_oid);
      break;
    default:
      encoded = pack::encode_entry_header(header->type, header->size);
  }
  auto again = pack::parse_entry_header(encoded.view(), offset);
  const auto* reparsed = std::get_if<pack::EntryHeader>(&again);
  check(reparsed != nullptr && reparsed->type == header->type && reparsed->size == header->size &&
        reparsed->base_offset == header->base_offset && reparsed->base_oid == header->base_oid &&
        reparsed->header_length == encoded.length);
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  check_index(input);
  (void)pack::parse_pack_header(input);
  check_entry(input);
  return 0;
}
