// ingest(): the folder walk, the file checks and the batched upserts.
#include "knot/pipeline/ingest.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <set>
#include <system_error>
#include <unordered_map>

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

// collect() adds the files `arg` names to `files` (sorted, deduplicated).
void collect(const fs::path& arg, const IngestOptions& options, std::set<fs::path>& files,
             IngestReport& report) {
  std::error_code ec;
  fs::file_status status = fs::status(arg, ec);
  if (ec || !fs::exists(status)) {
    report.missing.push_back(arg.string());
    return;
  }
  if (!fs::is_directory(status)) {
    files.insert(fs::absolute(arg).lexically_normal());
    return;
  }
  fs::recursive_directory_iterator it(arg, fs::directory_options::skip_permission_denied, ec);
  if (ec) {
    report.skipped.push_back({arg.string(), "unreadable folder: " + ec.message()});
    return;
  }
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) {
      report.skipped.push_back({arg.string(), "folder walk stopped: " + ec.message()});
      break;
    }
    std::error_code entry_ec;
    if (it->is_regular_file(entry_ec) && has_wanted_extension(it->path(), options)) {
      files.insert(fs::absolute(it->path()).lexically_normal());
    }
  }
}

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
  std::vector<Document> batch;
  const std::size_t batch_size = std::max<std::size_t>(options.batch_size, 1);
  for (const fs::path& path : files) {
    ++report.files_seen;
    std::optional<Document> doc = read_document(path, options, report);
    if (!doc) {
      continue;
    }
    auto it = known.find(doc->source_path);
    if (it != known.end() && it->second == doc->content_hash) {
      ++report.unchanged;
      continue;
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
