// ingest(): the folder walk, the file checks and the batched upserts.
#include "knot/pipeline/ingest.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <system_error>
#include <unordered_map>
#include <vector>

#include "knot/pipeline/hash.h"
#include "knot/pipeline/utf8.h"

namespace knot::pipeline {

namespace fs = std::filesystem;

namespace {

std::string lowercase(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool has_wanted_extension(const fs::path& path, const IngestOptions& options) {
  std::string ext = lowercase(path.extension().string());
  return std::find(options.extensions.begin(), options.extensions.end(), ext) !=
         options.extensions.end();
}

// canonical_key() is the key a file is stored under: its canonical path
// (links and "..", "." resolved), so that one file reached through a
// symbolic link or another spelling is one item. Empty if it cannot be
// resolved (it vanished, or a link in its path loops).
std::optional<fs::path> canonical_key(const fs::path& path) {
  std::error_code ec;
  fs::path key = fs::canonical(path, ec);
  if (ec) {
    return std::nullopt;
  }
  return key;
}

// walk() adds the wanted files under folder `root` to `files`. Links to
// folders are not followed (so no loop can form); a folder that cannot be
// listed is recorded in report.unreadable_folders and the walk goes on.
void walk(const fs::path& root, const IngestOptions& options, std::set<fs::path>& files,
          IngestReport& report) {
  std::vector<fs::path> folders = {root};
  while (!folders.empty()) {
    fs::path folder = std::move(folders.back());
    folders.pop_back();
    std::error_code ec;
    fs::directory_iterator it(folder, ec);
    for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
      std::error_code entry_ec;
      if (it->is_directory(entry_ec) && !it->is_symlink(entry_ec)) {
        folders.push_back(it->path());
      } else if (it->is_regular_file(entry_ec) && has_wanted_extension(it->path(), options)) {
        if (std::optional<fs::path> key = canonical_key(it->path())) {
          files.insert(*key);
        }
      }
    }
    if (ec) {
      report.unreadable_folders.push_back({folder.string(), ec.message()});
    }
  }
}

// collect() adds the files `arg` names to `files` (sorted, deduplicated).
void collect(const fs::path& arg, const IngestOptions& options, std::set<fs::path>& files,
             IngestReport& report) {
  std::string problem = argument_problem(arg);
  if (problem == kNoSuchPath) {
    report.missing.push_back(arg.string());
    return;
  }
  if (!problem.empty()) {
    report.unusable.push_back({arg.string(), problem});
    return;
  }
  std::error_code ec;
  if (!fs::is_directory(arg, ec)) {
    if (std::optional<fs::path> key = canonical_key(arg)) {
      files.insert(*key);
    } else {
      report.unusable.push_back({arg.string(), "cannot resolve its path"});
    }
    return;
  }
  walk(arg, options, files, report);
}

}  // namespace

std::string argument_problem(const fs::path& path) {
  std::error_code ec;
  fs::file_status status = fs::status(path, ec);
  if (!ec && fs::exists(status)) {
    return "";
  }
  if (ec.value() == ELOOP) {
    return "symlink loop";
  }
  if (!ec || ec.value() == ENOENT || ec.value() == ENOTDIR) {
    return std::string(kNoSuchPath);
  }
  return ec.message();
}

namespace {

// read_document() reads and checks one file; empty on a skip (recorded).
std::optional<Document> read_document(const fs::path& path, const IngestOptions& options,
                                      IngestReport& report) {
  std::error_code ec;
  std::uintmax_t size = fs::file_size(path, ec);
  if (ec) {
    report.skipped.push_back({path.string(), "unreadable: " + ec.message()});
    return std::nullopt;
  }
  if (size == 0) {
    report.skipped.push_back({path.string(), "empty file"});
    return std::nullopt;
  }
  if (size > options.max_file_bytes) {
    report.skipped.push_back({path.string(), "larger than the limit of " +
                                                 std::to_string(options.max_file_bytes) +
                                                 " bytes (" + std::to_string(size) + " bytes)"});
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  std::string bytes(static_cast<std::size_t>(size), '\0');
  if (!in || !in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()))) {
    report.skipped.push_back({path.string(), "unreadable: " + std::string(std::strerror(errno))});
    return std::nullopt;
  }
  report.bytes_read += size;
  if (bytes.find('\0') != std::string::npos) {
    report.skipped.push_back({path.string(), "binary file (contains NUL bytes)"});
    return std::nullopt;
  }
  if (!is_valid_utf8(bytes)) {
    report.warnings.push_back({path.string(), "not valid UTF-8 (bad bytes will be replaced)"});
  }
  Document doc;
  doc.source_path = path.string();
  doc.content_hash = content_hash(bytes);
  doc.raw_html = std::move(bytes);
  return doc;
}

// SameFiles tells the names of one file apart from other files: hard links
// share a device and inode, which canonical paths do not reveal.
class SameFiles {
 public:
  explicit SameFiles(const std::unordered_map<std::string, std::string>& known) : known_(known) {}

  // kept_name() is the name `path`'s file is kept under in this run, if
  // another: the name this run met it by first, or the stored name that
  // stored_name() found. Empty if `path` is that name (or cannot be stat'ed).
  std::string kept_name(const fs::path& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      return "";
    }
    auto [it, inserted] = seen_.try_emplace({st.st_dev, st.st_ino}, path.string());
    return inserted || it->second == path.string() ? std::string() : it->second;
  }

  // stored_name() is the name under which an earlier run stored the file
  // of `doc` (a new name): a stored item with the same content whose
  // name is the same file. Only items with equal bytes are compared. The
  // file is kept under that name for the rest of the run.
  std::string stored_name(const Document& doc) {
    if (by_hash_.empty()) {
      for (const auto& [name, hash] : known_) {
        by_hash_.emplace(hash, name);
      }
    }
    auto [begin, end] = by_hash_.equal_range(doc.content_hash);
    for (auto it = begin; it != end; ++it) {
      std::error_code ec;
      if (fs::equivalent(it->second, doc.source_path, ec) && !ec) {
        struct stat st {};
        if (::stat(doc.source_path.c_str(), &st) == 0) {
          seen_[{st.st_dev, st.st_ino}] = it->second;
        }
        return it->second;
      }
    }
    return "";
  }

 private:
  const std::unordered_map<std::string, std::string>& known_;
  std::map<std::pair<dev_t, ino_t>, std::string> seen_;
  std::unordered_multimap<std::string, std::string> by_hash_;  // content hash -> stored name
};

void flush(Store& store, std::vector<Document>& batch, IngestReport& report) {
  if (batch.empty()) {
    return;
  }
  UpsertCounts counts = store.upsert_documents(batch);
  report.added += counts.added;
  report.updated += counts.updated;
  report.unchanged += counts.unchanged;
  batch.clear();
}

}  // namespace

IngestReport ingest(Store& store, const std::vector<fs::path>& paths,
                    const IngestOptions& options) {
  store.require_writable("ingest");
  IngestReport report;
  std::set<fs::path> files;
  for (const fs::path& arg : paths) {
    collect(arg, options, files, report);
  }
  // Unchanged files are recognized by their hash before anything is written.
  std::unordered_map<std::string, std::string> known = store.content_hashes();
  SameFiles same_files(known);
  std::vector<Document> batch;
  const std::size_t batch_size = std::max<std::size_t>(options.batch_size, 1);
  for (const fs::path& path : files) {
    ++report.files_seen;
    if (std::string kept = same_files.kept_name(path); !kept.empty()) {
      report.same_file.push_back({path.string(), "same file as " + kept});
      continue;
    }
    std::optional<Document> doc = read_document(path, options, report);
    if (!doc) {
      continue;
    }
    auto it = known.find(doc->source_path);
    if (it != known.end() && it->second == doc->content_hash) {
      ++report.unchanged;
      continue;
    }
    if (it == known.end()) {
      if (std::string stored = same_files.stored_name(*doc); !stored.empty()) {
        report.same_file.push_back({doc->source_path, "same file as " + stored});
        continue;
      }
    }
    batch.push_back(std::move(*doc));
    if (batch.size() >= batch_size) {
      flush(store, batch, report);
    }
  }
  flush(store, batch, report);
  return report;
}

}  // namespace knot::pipeline
