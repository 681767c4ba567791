// Files of OpenSSH public keys, one "type base64 [comment]" a line, as TrustedUserCAKeys
// and a text RevokedKeys file hold them (sshd_config(5); read by OpenSSH's
// sshkey_in_file(): blank lines and lines starting with '#' skipped, no key options).
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "auth/users.h"

namespace gitgate::auth::detail {

struct KeyLine {
  int line = 0;  // 1-based
  std::string type;
  std::vector<uint8_t> blob;  // whose own type name is `type`
};

// Every key line, or every malformed line's error (strict base64, the blob's type name
// equal to the line's, nothing but a comment after the base64).
[[nodiscard]] std::variant<std::vector<KeyLine>, std::vector<FileError>> read_key_lines(
    std::string_view text);

}  // namespace gitgate::auth::detail
