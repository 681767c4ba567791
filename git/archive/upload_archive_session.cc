#include "git/archive/upload_archive_session.h"

#include <array>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "git/archive/archive_args.h"
#include "git/archive/archive_tree.h"
#include "git/archive/archive_writer.h"
#include "git/pack/libgit2.h"
#include "git/protocol/pktline.h"

namespace gitgate::git::detail {
namespace {

// Archive bytes are sent once this many are buffered: one side-band-64k packet's payload.
constexpr size_t kFlushBytes = pktline::kMaxDataSize - 1;
constexpr size_t kReadBytes = 65536;

bool send(Stream& stream, const std::string& bytes) {
  return stream.write(std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

// The request's arguments, read up to the flush; the parser bounds what is buffered.
std::variant<std::vector<std::string>, std::string> read_arguments(Stream& stream) {
  std::vector<uint8_t> buffer;
  std::array<uint8_t, kReadBytes> chunk{};
  for (;;) {
    auto parsed = parse_argument_packets(buffer);
    if (auto* done = std::get_if<ArgumentsParsed>(&parsed)) {
      return std::move(done->arguments);
    }
    if (auto* invalid = std::get_if<ArgumentsInvalid>(&parsed)) {
      return std::move(invalid->reason);
    }
    const ptrdiff_t got = stream.read(chunk);
    if (got <= 0) {
      return std::string(got == 0 ? "the client ended the request before its flush"
                                  : "cannot read the request");
    }
    buffer.insert(buffer.end(), chunk.begin(), chunk.begin() + got);
  }
}

ArchiveSessionResult nack(Stream& stream, const std::string& reason) {
  std::string out;
  pktline::append_data(out, "NACK " + reason.substr(0, pktline::kMaxDataSize - 6) + "\n");
  send(stream, out);
  return {128, reason};
}

// Side-band-64k output: archive bytes gathered into full packets, progress lines at once.
class BandWriter {
 public:
  explicit BandWriter(Stream& stream) : stream_(stream) {}

  bool data(std::span<const uint8_t> bytes) {
    pending_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    return pending_.size() < kFlushBytes || flush_data();
  }
  bool progress(const std::string& line) {
    return flush_data() && band(pktline::Band::kProgress, line);
  }
  bool fatal(const std::string& message) {
    return flush_data() && band(pktline::Band::kError, message);
  }
  bool flush_data() {
    if (pending_.empty()) {
      return ok_;
    }
    const bool sent = band(pktline::Band::kPackData, pending_);
    pending_.clear();
    return sent;
  }

 private:
  bool band(pktline::Band which, std::string_view payload) {
    std::string out;
    pktline::append_side_band(out, pktline::SideBand::kSideBand64k, which, payload);
    ok_ = ok_ && send(stream_, out);
    return ok_;
  }

  Stream& stream_;
  std::string pending_;
  bool ok_ = true;
};

// The entries' bytes into writer; a server fault (unreadable object) as its message.
std::string write_entries(git_repository* repo, const ArchiveArgs& args,
                          const ArchiveSource& source, const std::vector<std::string>& pathspecs,
                          ArchiveWriter& writer, BandWriter& bands) {
  std::string fault;
  const bool walked =
      walk_archive_tree(repo, source.tree, args.prefix, pathspecs, [&](const ArchiveEntry& entry) {
        if (args.verbose && !bands.progress(entry.path + "\n")) {
          fault = "the client is gone";
          return false;
        }
        const uint32_t type = entry.mode & 0170000;
        if (type != 0100000 && type != 0120000) {
          return writer.add(entry, {});
        }
        git_blob* raw = nullptr;
        if (git_blob_lookup(&raw, repo, &entry.id) != 0) {
          fault = "cannot read '" + to_hex(entry.id) + "'";
          return false;
        }
        const std::unique_ptr<git_blob, Deleter<git_blob, git_blob_free>> blob(raw);
        const std::span content(static_cast<const uint8_t*>(git_blob_rawcontent(raw)),
                                static_cast<size_t>(git_blob_rawsize(raw)));
        return writer.add(entry, content);
      });
  if (!fault.empty()) {
    return fault;
  }
  if (!walked) {
    return "cannot read the tree: " + last_error("libgit2 error");
  }
  if (!writer.ok() || !writer.finish()) {
    return writer.error();
  }
  return {};
}

// Whether an entry of the archive needs more than a ustar header (a walk of the trees
// before the archive starts; link targets are read, file sizes are not: a blob of 8 GiB
// or more fails when it is reached).
bool needs_pax(git_repository* repo, const ArchiveArgs& args, const ArchiveSource& source,
               const std::vector<std::string>& specs) {
  bool pax = false;
  const bool walked =
      walk_archive_tree(repo, source.tree, args.prefix, specs, [&](const ArchiveEntry& entry) {
        size_t target = 0;
        git_blob* raw = nullptr;
        if ((entry.mode & 0170000) == 0120000 && git_blob_lookup(&raw, repo, &entry.id) == 0) {
          target = static_cast<size_t>(git_blob_rawsize(raw));
          git_blob_free(raw);
        }
        pax = !ustar_holds(entry.path, target);
        return !pax;
      });
  return pax || !walked;
}

ArchiveSessionResult send_list(Stream& stream) {
  std::string out;
  pktline::append_data(out, "ACK\n");
  pktline::append_flush(out);
  std::string names;
  for (const std::string_view name : remote_archive_formats()) {
    names.append(name).push_back('\n');
  }
  pktline::append_side_band(out, pktline::SideBand::kSideBand64k, pktline::Band::kPackData, names);
  pktline::append_flush(out);
  return send(stream, out) ? ArchiveSessionResult{} : ArchiveSessionResult{128, "client gone"};
}

}  // namespace

ArchiveSessionResult run_upload_archive(const std::filesystem::path& repository, Stream& stream,
                                        int64_t now) {
  auto arguments = read_arguments(stream);
  if (auto* error = std::get_if<std::string>(&arguments)) {
    return nack(stream, *error);
  }
  auto parsed = parse_archive_args(std::get<std::vector<std::string>>(arguments));
  if (auto* error = std::get_if<ArchiveArgsError>(&parsed)) {
    return nack(stream, error->reason);
  }
  const ArchiveArgs& args = std::get<ArchiveArgs>(parsed);
  if (args.list) {
    return send_list(stream);
  }
  git_repository* raw = nullptr;
  if (git_repository_open_bare(&raw, repository.c_str()) != 0) {
    return nack(stream, "cannot open the repository");
  }
  const RepositoryPtr repo(raw);
  auto resolved = resolve_tree_ish(raw, args.tree_ish, allow_unreachable(raw), now);
  if (auto* error = std::get_if<ArchiveArgsError>(&resolved)) {
    return nack(stream, error->reason);
  }
  const ArchiveSource& source = std::get<ArchiveSource>(resolved);
  auto pathspecs = check_pathspecs(raw, source.tree, args.paths);
  if (auto* error = std::get_if<ArchiveArgsError>(&pathspecs)) {
    return nack(stream, error->reason);
  }
  const auto& specs = std::get<std::vector<std::string>>(pathspecs);

  std::string ack;
  pktline::append_data(ack, "ACK\n");
  pktline::append_flush(ack);
  if (!send(stream, ack)) {
    return {128, "the client is gone"};
  }
  BandWriter bands(stream);
  const bool pax = args.format != ArchiveFormat::kZip && needs_pax(raw, args, source, specs);
  ArchiveWriter writer(args, source.time, pax,
                       [&bands](std::span<const uint8_t> bytes) { return bands.data(bytes); });
  const std::string fault = write_entries(raw, args, source, specs, writer, bands);
  if (!fault.empty()) {
    bands.fatal("fatal: " + fault + "\n");
    return {128, fault};
  }
  std::string end;
  pktline::append_flush(end);
  if (!bands.flush_data() || !send(stream, end)) {
    return {128, "the client is gone"};
  }
  return {};
}

}  // namespace gitgate::git::detail
