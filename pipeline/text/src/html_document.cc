// html_document.cc: the bump arena that gumbo allocates from, and the
// parse itself.
#include "html_document.h"

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <vector>

#include "nesting_limiter.h"

namespace knot::text::detail {

// `HtmlArena` hands out 16-byte aligned memory from 64 KiB blocks (bigger
// requests get a block of their own) and frees it all at once. Gumbo grows
// its vectors and buffers by allocate-copy-free, so the arena holds at most
// about twice what gumbo keeps alive.
class HtmlArena {
 public:
  void* allocate(std::size_t size) noexcept {
    size = size == 0 ? kAlign : (size + kAlign - 1) / kAlign * kAlign;
    if (size > kBlockSize / 4) {
      return new_block(size);
    }
    if (size > left_) {
      next_ = new_block(kBlockSize);
      left_ = kBlockSize;
    }
    std::byte* p = next_;
    next_ += size;
    left_ -= size;
    return p;
  }

 private:
  static constexpr std::size_t kAlign = 16;
  static constexpr std::size_t kBlockSize = 64 * 1024;

  std::byte* new_block(std::size_t size) noexcept {
    // operator new[] for std::byte aligns to __STDCPP_DEFAULT_NEW_ALIGNMENT__
    // (16 on the platforms we build for).
    std::byte* block = new (std::nothrow) std::byte[size];
    if (block == nullptr) {
      std::fputs("knot::text: out of memory while parsing HTML\n", stderr);
      std::abort();
    }
    try {
      blocks_.emplace_back(block);
    } catch (...) {
      delete[] block;
      std::fputs("knot::text: out of memory while parsing HTML\n", stderr);
      std::abort();
    }
    return block;
  }

  std::vector<std::unique_ptr<std::byte[]>> blocks_;
  std::byte* next_ = nullptr;
  std::size_t left_ = 0;
};

namespace {

void* arena_allocate(void* userdata, std::size_t size) {
  return static_cast<HtmlArena*>(userdata)->allocate(size);
}

void arena_deallocate(void* /*userdata*/, void* /*ptr*/) {}  // freed with the arena

}  // namespace

HtmlDocument::HtmlDocument(std::string_view html) : arena_(std::make_unique<HtmlArena>()) {
  if (auto limited = limit_nesting(html)) {
    limited_ = std::move(*limited);
    html = limited_;
  }
  GumboOptions options = kGumboDefaultOptions;
  options.allocator = &arena_allocate;
  options.deallocator = &arena_deallocate;
  options.userdata = arena_.get();
  options.max_errors = 0;
  output_ = gumbo_parse_with_options(&options, html.data(), html.size());
}

// Everything gumbo allocated lives in the arena: no gumbo_destroy_output().
HtmlDocument::~HtmlDocument() = default;

}  // namespace knot::text::detail
