// Archive bytes for upload-archive, written by libarchive: tar (pax where ustar cannot
// hold an entry), tar through gzip, or zip, with the entry modes, owners and times git
// archive gives (archive-tar.c, archive-zip.c).
#pragma once

#include <archive.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "git/archive/archive_args.h"
#include "git/archive/archive_tree.h"

namespace gitgate::git::detail {

// Takes archive bytes as libarchive hands them over; false when they cannot be delivered.
using ArchiveSink = std::function<bool(std::span<const uint8_t>)>;

struct ArchiveFree {
  void operator()(archive* a) const { archive_write_free(a); }
};

class ArchiveWriter {
 public:
  // Starts an archive of args.format with time as every entry's mtime; ok() is false,
  // error() says why, when libarchive refuses the settings. A tar is ustar unless
  // needs_pax (an entry ustar_holds() refuses).
  ArchiveWriter(const ArchiveArgs& args, int64_t time, bool needs_pax, ArchiveSink sink);
  ArchiveWriter(const ArchiveWriter&) = delete;
  ArchiveWriter& operator=(const ArchiveWriter&) = delete;
  ~ArchiveWriter();

  [[nodiscard]] bool ok() const { return ok_; }
  // content: a blob's bytes, a symbolic link's target, nothing for a directory.
  bool add(const ArchiveEntry& entry, std::span<const uint8_t> content);
  // Ends the archive (trailer, gzip footer, zip central directory).
  bool finish();
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  bool open_gzip(const std::string& level, bool level_set);
  static la_ssize_t on_write(archive* a, void* self, const void* buffer, size_t length);
  static la_ssize_t on_write_gzip(archive* a, void* self, const void* buffer, size_t length);
  bool fail(const char* what);
  bool fail_gzip(const char* what);

  ArchiveFormat format_;
  int64_t time_;
  ArchiveSink sink_;
  std::unique_ptr<archive, ArchiveFree> gzip_;  // tgz: the raw archive gzip writes; declared
                                                // first, so freed after the tar that feeds it
  std::unique_ptr<archive, ArchiveFree> archive_;
  size_t gzip_offset_ = 0;  // gzip bytes written so far
  uint8_t gzip_xfl_ = 0;    // the header's XFL byte, as zlib writes it
  bool ok_ = true;
  bool open_ = false;
  std::string error_;
};

// Whether a ustar header holds an entry at path (a link with a target of that many bytes).
[[nodiscard]] bool ustar_holds(std::string_view path, size_t link_target_bytes);

// The tar/zip mode of an entry, from its git mode (archive-tar.c write_tar_entry() with
// tar.umask 002; archive-zip.c write_zip_entry()).
[[nodiscard]] uint32_t archive_mode(ArchiveFormat format, uint32_t git_mode);

}  // namespace gitgate::git::detail
