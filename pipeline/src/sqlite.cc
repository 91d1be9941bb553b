// The SQLite RAII wrappers (sqlite.h) and the mapping of SQLite's result
// codes to StoreErrc and readable messages.
#include "sqlite.h"

#include <climits>
#include <string>

namespace knot::pipeline::detail {

namespace {

StoreErrc classify(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return StoreErrc::kLocked;
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return StoreErrc::kReadOnly;
    case SQLITE_FULL:
      return StoreErrc::kFull;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return StoreErrc::kCorrupt;
    case SQLITE_CANTOPEN:
      return StoreErrc::kMissing;
    default:
      return StoreErrc::kOther;
  }
}

}  // namespace

Database::Database(const std::string& path, int flags, std::chrono::milliseconds busy_timeout)
    : path_(path), busy_timeout_(busy_timeout) {
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw StoreError(classify(rc), "cannot open database '" + path + "': " + message +
                                       " (SQLite code " + std::to_string(rc) + ")");
  }
  sqlite3_extended_result_codes(db_, 1);
  long long ms = busy_timeout.count();
  sqlite3_busy_timeout(db_, ms > INT_MAX ? INT_MAX : static_cast<int>(ms < 0 ? 0 : ms));
}

Database::~Database() {
  // Statements are finalized by their owners first; close_v2 copes otherwise.
  sqlite3_close_v2(db_);
}

void Database::exec(std::string_view sql) {
  std::string text(sql);
  char* error = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error);
  if (error != nullptr) {
    sqlite3_free(error);
  }
  if (rc != SQLITE_OK) {
    fail(rc, "running '" + text.substr(0, 60) + "'");
  }
}

std::int64_t Database::last_insert_rowid() const noexcept {
  return sqlite3_last_insert_rowid(db_);
}

int Database::changes() const noexcept {
  return sqlite3_changes(db_);
}

void Database::fail(int rc, std::string_view context) const {
  StoreErrc code = classify(rc);
  std::string detail = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  std::string head = "database '" + path_ + "'";
  std::string message;
  switch (code) {
    case StoreErrc::kLocked:
      message = head + " is locked by another connection or process: gave up after waiting " +
                std::to_string(busy_timeout_.count()) + " ms while " + std::string(context) +
                "; nothing was changed by this step";
      break;
    case StoreErrc::kReadOnly:
      message = head + " is read-only (" + detail + ") while " + std::string(context) +
                "; nothing was changed by this step";
      break;
    case StoreErrc::kFull:
      message = head + ": the disk is full (" + detail + ") while " + std::string(context) +
                "; the transaction was rolled back, nothing was lost";
      break;
    case StoreErrc::kCorrupt:
      message = head + " is not a knot-embed database or is damaged (" + detail + ") while " +
                std::string(context);
      break;
    default:
      message = head + ": " + detail + " while " + std::string(context) + " (SQLite code " +
                std::to_string(rc) + ")";
      break;
  }
  throw StoreError(code, message);
}

// ---- Statement --------------------------------------------------------------

Statement::Statement(Database& db, std::string_view sql) : db_(db), sql_(sql) {
  int rc =
      sqlite3_prepare_v2(db_.get(), sql_.data(), static_cast<int>(sql_.size()), &stmt_, nullptr);
  if (rc != SQLITE_OK) {
    db_.fail(rc, "preparing '" + sql_.substr(0, 60) + "'");
  }
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

Statement& Statement::bind_int(int index, std::int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) {
    db_.fail(rc, "binding a parameter");
  }
  return *this;
}

Statement& Statement::bind_double(int index, double value) {
  int rc = sqlite3_bind_double(stmt_, index, value);
  if (rc != SQLITE_OK) {
    db_.fail(rc, "binding a parameter");
  }
  return *this;
}

Statement& Statement::bind_text(int index, std::string_view value) {
  int rc =
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) {
    db_.fail(rc, "binding a parameter");
  }
  return *this;
}

Statement& Statement::bind_blob(int index, const void* data, std::size_t size) {
  // A zero-length blob must still be a blob, not NULL: give SQLite a valid pointer.
  static const char kEmpty = 0;
  int rc = sqlite3_bind_blob64(stmt_, index, size == 0 ? &kEmpty : data, size, SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) {
    db_.fail(rc, "binding a parameter");
  }
  return *this;
}

Statement& Statement::bind_null(int index) {
  int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK) {
    db_.fail(rc, "binding a parameter");
  }
  return *this;
}

Statement& Statement::bind_optional_text(int index, const std::optional<std::string>& value) {
  return value ? bind_text(index, *value) : bind_null(index);
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  sqlite3_reset(stmt_);
  db_.fail(rc, "running '" + sql_.substr(0, 60) + "'");
}

void Statement::run() {
  while (step()) {
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::int64_t Statement::column_int(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

double Statement::column_double(int column) const {
  return sqlite3_column_double(stmt_, column);
}

std::string Statement::column_text(int column) const {
  std::string_view bytes = column_blob(column);
  return std::string(bytes);
}

std::optional<std::string> Statement::column_optional_text(int column) const {
  if (is_null(column)) {
    return std::nullopt;
  }
  return column_text(column);
}

std::string_view Statement::column_blob(int column) const {
  const void* data = sqlite3_column_blob(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr || size <= 0) {
    return {};
  }
  return {static_cast<const char*>(data), static_cast<std::size_t>(size)};
}

// ---- Transaction ------------------------------------------------------------

Transaction::Transaction(Database& db) : db_(db) {
  db_.exec("BEGIN IMMEDIATE");
}

Transaction::~Transaction() {
  if (is_open_) {
    // Rolling back cannot usefully fail here; SQLite rolls back by itself
    // after errors such as SQLITE_FULL, so the statement may find nothing to do.
    sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

void Transaction::commit() {
  db_.exec("COMMIT");
  is_open_ = false;
}

}  // namespace knot::pipeline::detail
