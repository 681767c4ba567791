#include "git/archive/archive_writer.h"

#include <archive_entry.h>

#include <string>
#include <utility>

namespace gitgate::git::detail {
namespace {

// archive-tar.c: RECORDSIZE 512, BLOCKSIZE 20 records; the archive ends on a block.
constexpr int kTarBlockBytes = 512 * 20;
// archive-tar.c: tar_umask, git config tar.umask (default 002).
constexpr uint32_t kTarUmask = 002;

struct EntryFree {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

bool set_option(archive* a, const char* module, const char* option, const char* value) {
  return archive_write_set_option(a, module, option, value) == ARCHIVE_OK;
}

}  // namespace

// archive-tar.c write_tar_entry(): a path fits a ustar header when it fits the 100-byte
// name, or splits at a '/' into a prefix of at most 155 bytes and a name of at most 100; a
// link target fits in 100 bytes. Sizes up to 8 GiB fit (USTAR_MAX_SIZE).
bool ustar_holds(std::string_view path, size_t link_target_bytes) {
  constexpr size_t kName = 100;
  constexpr size_t kPrefix = 155;
  if (link_target_bytes > kName) {
    return false;
  }
  if (path.size() <= kName) {
    return true;
  }
  for (size_t slash = path.find('/'); slash != std::string_view::npos && slash <= kPrefix;
       slash = path.find('/', slash + 1)) {
    if (path.size() - slash - 1 <= kName && slash + 1 < path.size()) {
      return true;
    }
  }
  return false;
}

uint32_t archive_mode(ArchiveFormat format, uint32_t git_mode) {
  const uint32_t type = git_mode & 0170000;
  if (type == 0040000 || type == 0160000) {  // directories and submodules
    return AE_IFDIR | ((git_mode | 0777) & ~kTarUmask & 0777);
  }
  if (type == 0120000) {
    return AE_IFLNK | 0777;
  }
  if (format == ArchiveFormat::kZip) {
    // archive-zip.c writes the mode of executables and links only; a plain file gets
    // none, which unzip extracts as 0644 under the usual umask: say 0644 outright.
    return AE_IFREG | ((git_mode & 0111) != 0 ? 0755 : 0644);
  }
  return AE_IFREG | (((git_mode & 0100) != 0 ? 0777 : 0666) & ~kTarUmask);
}

ArchiveWriter::ArchiveWriter(const ArchiveArgs& args, int64_t time, bool needs_pax,
                             ArchiveSink sink)
    : format_(args.format), time_(time), sink_(std::move(sink)), archive_(archive_write_new()) {
  archive* a = archive_.get();
  if (a == nullptr) {
    ok_ = false;
    error_ = "cannot start an archive";
    return;
  }
  const std::string level = std::to_string(args.compression_level);
  bool set = true;
  if (args.format == ArchiveFormat::kZip) {
    set =
        archive_write_set_format_zip(a) == ARCHIVE_OK &&
        set_option(a, "zip", "hdrcharset", "UTF-8") &&
        (args.compression_level != 0 || set_option(a, "zip", "compression", "store")) &&
        (args.compression_level <= 0 || set_option(a, "zip", "compression-level", level.c_str())) &&
        archive_write_set_bytes_in_last_block(a, 1) == ARCHIVE_OK;  // no padding after it
  } else {
    // archive-tar.c writes ustar headers, a pax header only for what ustar cannot hold.
    // libarchive's pax_restricted also writes one for every name that is not ASCII, which
    // git writes as its bytes, as ustar does: so ustar unless an entry needs pax.
    set = (needs_pax ? archive_write_set_format_pax_restricted(a)
                     : archive_write_set_format_ustar(a)) == ARCHIVE_OK &&
          archive_write_set_bytes_per_block(a, kTarBlockBytes) == ARCHIVE_OK;
  }
  if (!set) {
    fail("cannot set the archive format");
    return;
  }
  if (args.compression_level == 9) {
    gzip_xfl_ = 2;
  } else if (args.compression_level == 0 || args.compression_level == 1) {
    gzip_xfl_ = 4;
  }
  if (args.format == ArchiveFormat::kTarGz && !open_gzip(level, args.compression_level >= 0)) {
    return;
  }
  if (archive_write_open2(a, this, nullptr, &ArchiveWriter::on_write, nullptr, nullptr) !=
      ARCHIVE_OK) {
    fail("cannot open the archive");
    return;
  }
  open_ = true;
}

// archive-tar.c write_tar_filter_archive() compresses the tar as written, padding
// included; libarchive's gzip filter on the tar writer would compress it before the
// padding. So the tar goes, as the one entry of a "raw" archive, through a gzip filter:
// no name and no time in the gzip header, as git's internal gzip ("git archive gzip").
bool ArchiveWriter::open_gzip(const std::string& level, bool level_set) {
  gzip_.reset(archive_write_new());
  archive* g = gzip_.get();
  if (g == nullptr || archive_write_set_format_raw(g) != ARCHIVE_OK ||
      archive_write_add_filter_gzip(g) != ARCHIVE_OK ||
      !set_option(g, "gzip", "timestamp", nullptr) ||
      (level_set && !set_option(g, "gzip", "compression-level", level.c_str())) ||
      archive_write_set_bytes_in_last_block(g, 1) != ARCHIVE_OK ||
      archive_write_open2(g, this, nullptr, &ArchiveWriter::on_write_gzip, nullptr, nullptr) !=
          ARCHIVE_OK) {
    return fail_gzip("cannot start gzip");
  }
  const std::unique_ptr<archive_entry, EntryFree> entry(archive_entry_new());
  archive_entry_set_pathname(entry.get(), "archive.tar");
  archive_entry_set_mode(entry.get(), AE_IFREG | 0644);
  if (archive_write_header(g, entry.get()) != ARCHIVE_OK) {
    return fail_gzip("cannot start gzip");
  }
  return true;
}

bool ArchiveWriter::fail_gzip(const char* what) {
  ok_ = false;
  const char* detail = gzip_ != nullptr ? archive_error_string(gzip_.get()) : nullptr;
  error_ = detail != nullptr ? std::string(what) + ": " + detail : what;
  return false;
}

// RFC 1952 XFL, the header's tenth byte: zlib, which git's gzip is, writes 2 at level 9
// and 4 at levels 0 and 1 (deflate.c); libarchive's gzip filter always 0. Written as
// zlib writes it, so that the bytes are git's at every level.
la_ssize_t ArchiveWriter::on_write_gzip(archive* /*a*/, void* self, const void* buffer,
                                        size_t length) {
  constexpr size_t kXflOffset = 8;
  auto* writer = static_cast<ArchiveWriter*>(self);
  const size_t start = writer->gzip_offset_;
  writer->gzip_offset_ += length;
  if (start <= kXflOffset && kXflOffset < start + length) {
    std::string copy(static_cast<const char*>(buffer), length);
    copy[kXflOffset - start] = static_cast<char>(writer->gzip_xfl_);
    return on_write(nullptr, self, copy.data(), length);
  }
  return on_write(nullptr, self, buffer, length);
}

ArchiveWriter::~ArchiveWriter() = default;

la_ssize_t ArchiveWriter::on_write(archive* a, void* self, const void* buffer, size_t length) {
  auto* writer = static_cast<ArchiveWriter*>(self);
  if (a != nullptr && writer->gzip_ != nullptr) {  // the tar, into gzip
    return archive_write_data(writer->gzip_.get(), buffer, length);
  }
  if (!writer->sink_(std::span(static_cast<const uint8_t*>(buffer), length))) {
    return -1;
  }
  return static_cast<la_ssize_t>(length);
}

bool ArchiveWriter::fail(const char* what) {
  ok_ = false;
  const char* detail = archive_ != nullptr ? archive_error_string(archive_.get()) : nullptr;
  error_ = detail != nullptr ? std::string(what) + ": " + detail : what;
  return false;
}

bool ArchiveWriter::add(const ArchiveEntry& entry, std::span<const uint8_t> content) {
  if (!ok_) {
    return false;
  }
  const std::unique_ptr<archive_entry, EntryFree> header(archive_entry_new());
  archive_entry* e = header.get();
  const uint32_t mode = archive_mode(format_, entry.mode);
  if (format_ == ArchiveFormat::kZip) {
    // archive-zip.c sets the UTF-8 flag on a name that is not ASCII: the name is handed
    // over as UTF-8 (git's names are bytes, UTF-8 by convention) and written as such.
    archive_entry_set_pathname_utf8(e, entry.path.c_str());
  } else {
    archive_entry_set_pathname(e, entry.path.c_str());
  }
  archive_entry_set_mode(e, mode);
  archive_entry_set_mtime(e, time_, 0);
  archive_entry_set_uid(e, 0);
  archive_entry_set_gid(e, 0);
  archive_entry_set_uname(e, "root");
  archive_entry_set_gname(e, "root");
  const bool regular = (mode & AE_IFMT) == AE_IFREG;
  if ((mode & AE_IFMT) == AE_IFLNK) {
    const std::string target(content.begin(), content.end());
    archive_entry_set_symlink(e, target.c_str());
  }
  archive_entry_set_size(e, regular ? static_cast<la_int64_t>(content.size()) : 0);
  if (archive_write_header(archive_.get(), e) < ARCHIVE_WARN) {
    return fail("cannot write an entry header");
  }
  if (regular && !content.empty() &&
      archive_write_data(archive_.get(), content.data(), content.size()) < 0) {
    return fail("cannot write an entry");
  }
  return true;
}

bool ArchiveWriter::finish() {
  if (!ok_ || !open_) {
    return false;
  }
  open_ = false;
  if (archive_write_close(archive_.get()) != ARCHIVE_OK) {
    return fail("cannot end the archive");
  }
  if (gzip_ != nullptr && archive_write_close(gzip_.get()) != ARCHIVE_OK) {
    return fail_gzip("cannot end gzip");
  }
  return true;
}

}  // namespace gitgate::git::detail
