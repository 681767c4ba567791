#include "auth/detail/authorized_key.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "auth/detail/base64.h"
#include "auth/key_blob.h"
#include "auth/users.h"
#include "tests/auth/test_keys.h"

namespace gitgate::auth::detail {
namespace {

using testing::kAllKeys;

// SSH wire "string" fields (RFC 4251 section 5), concatenated.
std::vector<uint8_t> wire(std::initializer_list<std::string> fields) {
  std::vector<uint8_t> out;
  for (const std::string& field : fields) {
    const auto n = static_cast<uint32_t>(field.size());
    for (int shift = 24; shift >= 0; shift -= 8) {
      out.push_back(static_cast<uint8_t>(n >> shift));
    }
    out.insert(out.end(), field.begin(), field.end());
  }
  return out;
}

std::string line(std::string_view type, const std::vector<uint8_t>& blob,
                 std::string_view comment = "") {
  std::string out = std::string(type) + " " + base64_encode(blob);
  if (!comment.empty()) {
    out += " " + std::string(comment);
  }
  return out;
}

std::string message_of(std::string_view text) {
  auto parsed = parse_authorized_key(text);
  const auto* error = std::get_if<KeyError>(&parsed);
  return error == nullptr ? "(parsed)" : error->message;
}

TEST(AuthorizedKeyTest, ParsesKeysFromSshKeygen) {
  for (const auto& key : kAllKeys) {
    auto parsed = parse_authorized_key(key.line);
    ASSERT_TRUE(std::holds_alternative<AuthorizedKey>(parsed)) << message_of(key.line);
    const auto& value = std::get<AuthorizedKey>(parsed);
    EXPECT_EQ(key.line.substr(0, key.line.find(' ')), value.type);
    EXPECT_EQ(key.line.substr(key.line.rfind(' ') + 1), value.comment);
    // The blob is what ssh-keygen fingerprinted.
    EXPECT_EQ(fingerprint(value.blob), key.fingerprint) << key.line;
  }
}

TEST(AuthorizedKeyTest, AcceptsBlanksAndCommentsWithSpaces) {
  const std::string_view ed = testing::kAliceEd25519.line;
  const std::string bare(ed.substr(0, ed.rfind(' ')));
  for (const std::string& text : {bare, bare + "  \t", bare + "\r\n", "  \t" + bare}) {
    auto parsed = parse_authorized_key(text);
    ASSERT_TRUE(std::holds_alternative<AuthorizedKey>(parsed)) << message_of(text);
    EXPECT_EQ(std::get<AuthorizedKey>(parsed).comment, "");
  }
  auto parsed = parse_authorized_key(bare + "\tAlice Smith (laptop)");
  ASSERT_TRUE(std::holds_alternative<AuthorizedKey>(parsed));
  EXPECT_EQ(std::get<AuthorizedKey>(parsed).comment, "Alice Smith (laptop)");
}

TEST(AuthorizedKeyTest, AcceptsSecurityKeys) {
  const std::string pk(32, '\x42');
  const std::string point = "\x04" + std::string(64, '\x07');
  const std::string cases[] = {
      line("sk-ssh-ed25519@openssh.com", wire({"sk-ssh-ed25519@openssh.com", pk, "ssh:"})),
      line("sk-ecdsa-sha2-nistp256@openssh.com",
           wire({"sk-ecdsa-sha2-nistp256@openssh.com", "nistp256", point, "ssh:"})),
  };
  for (const std::string& text : cases) {
    EXPECT_EQ(message_of(text), "(parsed)") << text;
  }
}

struct BadCase {
  std::string text;
  std::string_view message_part;
};

TEST(AuthorizedKeyTest, RefusesWithAPreciseReason) {
  const std::string pk(32, 'k');
  const std::string ed = std::string(testing::kAliceEd25519.line);
  const std::string ed_blob = ed.substr(12, ed.rfind(' ') - 12);
  const BadCase cases[] = {
      {"", "empty"},
      {"   ", "empty"},
      {"restrict " + ed, "options ('restrict') are not supported"},
      {R"(command="echo hi there",no-pty )" + ed, "options"},
      {"from=\"10.0.0.0/8\" " + ed, "options"},
      {"ssh-dss AAAAB3NzaC1kc3M=", "unknown key type 'ssh-dss'"},
      {"ssh-ed25519-cert-v01@openssh.com AAAA", "certificate"},
      {"ssh-ed25519", "not followed by the key's base64"},
      {"ssh-ed25519 !!!!", "not valid base64"},
      {"ssh-ed25519 " + ed_blob.substr(0, ed_blob.size() - 1), "not valid base64"},
      {"ssh-ed25519 " + ed_blob.substr(0, ed_blob.size() - 4), "truncated"},  // a cut paste
      // The blob says ed25519; the line says rsa.
      {"ssh-rsa " + ed_blob, "key data is of type 'ssh-ed25519', but the line says 'ssh-rsa'"},
      {line("ssh-ed25519", wire({"ssh-ed25519", std::string(31, 'k')})), "31 bytes, expected 32"},
      {line("ssh-ed25519", wire({"ssh-ed25519"})), "truncated"},
      {line("ssh-ed25519", wire({"ssh-ed25519", pk, "extra"})), "trailing bytes"},
      {line("ssh-ed25519", {0, 0, 0, 11, 's', 's', 'h'}), "truncated"},
      {line("ssh-rsa", wire({"ssh-rsa", "\x01"})), "truncated"},
      {line("ecdsa-sha2-nistp256", wire({"ecdsa-sha2-nistp256", "nistp384", "\x04"})),
       "curve 'nistp256'"},
      {line("ecdsa-sha2-nistp384", wire({"ecdsa-sha2-nistp384", "nistp384", "\x04"})),
       "1 bytes, expected 97"},
      {line("sk-ssh-ed25519@openssh.com", wire({"sk-ssh-ed25519@openssh.com", pk})), "application"},
      {"ssh-ed25519 " + std::string(20000, 'A'), "longer than"},
  };
  for (const auto& [text, part] : cases) {
    const std::string message = message_of(text);
    EXPECT_NE(message.find(part), std::string::npos)
        << "input: " << text.substr(0, 80) << "\nmessage: " << message;
  }
}

TEST(AuthorizedKeyTest, Sha256IsThirtyTwoRawBytes) {
  const std::vector<uint8_t> empty;
  // SHA-256 of the empty string starts e3 b0 c4 42 (FIPS 180-4 example).
  const std::string digest = sha256_raw(empty);
  ASSERT_EQ(digest.size(), 32U);
  EXPECT_EQ(static_cast<uint8_t>(digest[0]), 0xe3);
  EXPECT_EQ(static_cast<uint8_t>(digest[1]), 0xb0);
  EXPECT_EQ(static_cast<uint8_t>(digest[31]), 0x55);
}

}  // namespace
}  // namespace gitgate::auth::detail
