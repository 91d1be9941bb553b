// JsonObject: the few lines of JSON that `--json` prints. Builds one flat or
// nested object with escaped strings; not a parser, not a general library.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace knot::pipeline::detail {

// json_quote() is `s` as a JSON string literal (quotes, backslashes and
// control characters escaped; other bytes as they are, since knot-embed's
// strings are valid UTF-8).
inline std::string json_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

class JsonObject {
 public:
  JsonObject& add(std::string_view key, std::string_view value) {
    return raw(key, json_quote(value));
  }
  JsonObject& add(std::string_view key, const char* value) {
    return add(key, std::string_view(value));
  }
  JsonObject& add(std::string_view key, std::int64_t value) {
    return raw(key, std::to_string(value));
  }
  JsonObject& add(std::string_view key, double value) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", value);
    return raw(key, buf);
  }
  JsonObject& add(std::string_view key, bool value) { return raw(key, value ? "true" : "false"); }
  // raw() adds an already-formatted JSON value (an array, a nested object).
  JsonObject& raw(std::string_view key, std::string_view json) {
    body_ += body_.empty() ? "" : ", ";
    body_ += json_quote(key) + ": " + std::string(json);
    return *this;
  }
  std::string str() const { return "{" + body_ + "}"; }

 private:
  std::string body_;
};

}  // namespace knot::pipeline::detail
