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
#include "git/protocol/upload_pack_io.h"

namespace gitgate::git::detail {
namespace {

constexpr size_t kReadBytes = 65536;

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

// Before the ACK: "NACK <reason>" is what git's client shows (archive.c, "git archive:
// NACK ...").
ArchiveSessionResult nack(Output& out, const std::string& reason) {
  out.line("NACK " + reason + "\n");
  out.send();
  return {128, reason};
}

// The entries' bytes into writer; a server fault (unreadable object) as its message.
std::string write_entries(git_repository* repo, const ArchiveArgs& args,
                          const ArchiveSource& source, const std::vector<std::string>& pathspecs,
                          ArchiveWriter& writer, Output& out) {
  std::string fault;
  const bool walked =
      walk_archive_tree(repo, source.tree, args.prefix, pathspecs, [&](const ArchiveEntry& entry) {
        if (args.verbose) {
          out.progress(entry.path + "\n");  // out.set_progress(args.verbose)
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

// Before any archive byte: side-band-64k from here, a fault then travels on band 3.
void begin_bands(Output& out, bool verbose) {
  out.line("ACK\n");
  out.flush_pkt();
  out.set_side_band(pktline::SideBand::kSideBand64k);
  out.set_progress(verbose);
  out.begin_pack();
}

ArchiveSessionResult send_list(Output& out) {
  begin_bands(out, false);
  std::string names;
  for (const std::string_view name : remote_archive_formats()) {
    names.append(name).push_back('\n');
  }
  const bool sent =
      out.pack_data(std::span(reinterpret_cast<const uint8_t*>(names.data()), names.size())) &&
      out.end_pack();
  return sent ? ArchiveSessionResult{} : ArchiveSessionResult{128, "client gone"};
}

}  // namespace

ArchiveSessionResult run_upload_archive(const std::filesystem::path& repository, Stream& stream,
                                        int64_t now) {
  Output out(stream);
  auto arguments = read_arguments(stream);
  if (auto* error = std::get_if<std::string>(&arguments)) {
    return nack(out, *error);
  }
  auto parsed = parse_archive_args(std::get<std::vector<std::string>>(arguments));
  if (auto* error = std::get_if<ArchiveArgsError>(&parsed)) {
    return nack(out, error->reason);
  }
  const ArchiveArgs& args = std::get<ArchiveArgs>(parsed);
  if (args.list) {
    return send_list(out);
  }
  git_repository* raw = nullptr;
  if (git_repository_open_bare(&raw, repository.c_str()) != 0) {
    return nack(out, "cannot open the repository");
  }
  const RepositoryPtr repo(raw);
  auto resolved = resolve_tree_ish(raw, args.tree_ish, allow_unreachable(raw), now);
  if (auto* error = std::get_if<ArchiveArgsError>(&resolved)) {
    return nack(out, error->reason);
  }
  const ArchiveSource& source = std::get<ArchiveSource>(resolved);
  auto pathspecs = check_pathspecs(raw, source.tree, args.paths);
  if (auto* error = std::get_if<ArchiveArgsError>(&pathspecs)) {
    return nack(out, error->reason);
  }
  const auto& specs = std::get<std::vector<std::string>>(pathspecs);

  begin_bands(out, args.verbose);
  if (!out.send()) {
    return {128, "the client is gone"};
  }
  const bool pax = args.format != ArchiveFormat::kZip && needs_pax(raw, args, source, specs);
  ArchiveWriter writer(args, source.time, pax,
                       [&out](std::span<const uint8_t> bytes) { return out.pack_data(bytes); });
  const std::string fault = write_entries(raw, args, source, specs, writer, out);
  if (!fault.empty()) {
    out.fatal("fatal: " + fault);
    return {128, fault};
  }
  if (!out.end_pack()) {
    return {128, "the client is gone"};
  }
  return {};
}

}  // namespace gitgate::git::detail
