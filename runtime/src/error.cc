// knot's error category (error.h).

#include <string>

#include "knot/runtime/error.h"

namespace knot {

namespace {
class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "knot"; }
  std::string message(int code) const override {
    switch (static_cast<Errc>(code)) {
      case Errc::kShutDown:
        return "the pool is shutting down";
      case Errc::kNotSupported:
        return "not supported";
      case Errc::kInvalidOption:
        return "invalid option";
      case Errc::kThreadCreation:
        return "cannot create a thread";
      case Errc::kSpareLimit:
        return "every spare thread of the pool is in use";
    }
    return "unknown knot error";
  }
};
}  // namespace

const std::error_category& error_category() noexcept {
  static const Category category;
  return category;
}

}  // namespace knot
