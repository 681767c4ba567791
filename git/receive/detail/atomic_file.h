// A file written through a temporary one in the same directory and renamed over its name
// at the end, so that a reader never sees half of it; with git's mode for pack files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace gitgate::git::detail {

class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path path);
  ~AtomicFile();  // removes the temporary file unless committed
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  // Buffered; false once a write has failed (error() says why).
  bool write(std::span<const uint8_t> bytes);
  // Flushes, makes the file read-only (0444, as git leaves pack files) and renames it to
  // its name. An empty string, or why not.
  std::string commit();
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  bool flush();
  std::filesystem::path path_;
  std::string temp_;
  int fd_ = -1;
  std::vector<uint8_t> buffer_;
  std::string error_;
};

// The whole file at once.
std::string write_file_atomically(const std::filesystem::path& path,
                                  std::span<const uint8_t> bytes);

}  // namespace gitgate::git::detail
