// Small RAII wrappers over SQLite's C API: a connection, a prepared
// statement, a transaction. Every failure becomes a StoreError whose message
// names the database file and says, in words, what happened (locked after the
// busy timeout, read-only, full, not a database).
//
// Not thread-safe: one Database (and its statements) per thread at a time.
// Does not cache statements across calls; callers keep the ones they reuse.
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "knot/pipeline/store.h"

namespace knot::pipeline::detail {

class Database {
 public:
  // Opens `path` with sqlite3_open_v2 `flags` and sets the busy timeout.
  Database(const std::string& path, int flags, std::chrono::milliseconds busy_timeout);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  sqlite3* get() const noexcept { return db_; }
  const std::string& path() const noexcept { return path_; }

  // exec() runs SQL without results (several statements allowed).
  void exec(std::string_view sql);

  std::int64_t last_insert_rowid() const noexcept;
  int changes() const noexcept;

  // fail() throws the StoreError for result code `rc`, with `context` saying
  // what was being done ("writing results").
  [[noreturn]] void fail(int rc, std::string_view context) const;

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
  std::chrono::milliseconds busy_timeout_;
};

class Statement {
 public:
  Statement(Database& db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // bind_*() bind the 1-based parameter `index`; text and blobs are copied.
  Statement& bind_int(int index, std::int64_t value);
  Statement& bind_double(int index, double value);
  Statement& bind_text(int index, std::string_view value);
  Statement& bind_blob(int index, const void* data, std::size_t size);
  Statement& bind_null(int index);
  Statement& bind_optional_text(int index, const std::optional<std::string>& value);

  // step() runs to the next row: true with a row to read, false when done.
  bool step();
  // run() steps to the end (for statements without results).
  void run();
  // reset() makes the statement ready to run again and clears its bindings.
  void reset();

  bool is_null(int column) const;
  std::int64_t column_int(int column) const;
  double column_double(int column) const;
  std::string column_text(int column) const;
  std::optional<std::string> column_optional_text(int column) const;
  // column_blob() views the bytes of a BLOB (or TEXT) column until the next step.
  std::string_view column_blob(int column) const;

 private:
  Database& db_;
  sqlite3_stmt* stmt_ = nullptr;
  std::string sql_;
};

// Transaction is BEGIN IMMEDIATE (takes the write lock at once, waiting up
// to the busy timeout) ... COMMIT; destroyed without commit(), it rolls back.
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  void commit();

 private:
  Database& db_;
  bool is_open_ = true;
};

}  // namespace knot::pipeline::detail
