#include "git/receive/pack_receiver.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "git/receive/pack_stream.h"

namespace gitgate::git::detail {
namespace {

constexpr size_t kReadChunk = size_t{256} * 1024;

class File {
 public:
  explicit File(const std::filesystem::path& path)
      : fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) {}
  ~File() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  [[nodiscard]] bool open() const { return fd_ >= 0; }
  bool write(std::span<const uint8_t> bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        return false;
      }
      bytes = bytes.subspan(static_cast<size_t>(n));
    }
    return true;
  }
  bool close() {
    const int fd = fd_;
    fd_ = -1;
    return ::close(fd) == 0;
  }

 private:
  int fd_;
};

}  // namespace

std::variant<ReceivedPack, PackReceiveFailure> receive_pack_file(Stream& stream,
                                                                 std::span<const uint8_t> buffered,
                                                                 const std::filesystem::path& file,
                                                                 const PushSettings& limits) {
  File out(file);
  if (!out.open()) {
    return PackReceiveFailure{"cannot create the pack file: " + std::string(std::strerror(errno))};
  }
  PackStreamReader reader(limits);
  std::vector<uint8_t> chunk(kReadChunk);
  std::span<const uint8_t> input = buffered;
  uint64_t total = 0;
  for (;;) {
    if (!input.empty()) {
      auto fed = reader.feed(input);
      if (auto* error = std::get_if<PackStreamReader::Error>(&fed)) {
        return PackReceiveFailure{error->reason, total};
      }
      const auto progress = std::get<PackStreamReader::Progress>(fed);
      // Bytes past the trailer are not the pack's: the client sends nothing after it.
      if (!out.write(input.subspan(0, progress.consumed))) {
        return PackReceiveFailure{"cannot write the pack: " + std::string(std::strerror(errno)),
                                  total};
      }
      total += progress.consumed;
      if (progress.done) {
        break;
      }
    }
    const ptrdiff_t n = stream.read(chunk);
    if (n <= 0) {
      return PackReceiveFailure{n == 0 ? "the remote end hung up before the pack ended"
                                       : "read error while receiving the pack",
                                total, true};
    }
    input = std::span<const uint8_t>(chunk).subspan(0, static_cast<size_t>(n));
  }
  if (!out.close()) {
    return PackReceiveFailure{"cannot write the pack: " + std::string(std::strerror(errno)), total};
  }
  return ReceivedPack{total, reader.object_count()};
}

}  // namespace gitgate::git::detail
