// html_document.cc: the arena that gumbo allocates from, and the parse
// itself.
#include "html_document.h"

#include <array>
#include <csetjmp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>

#include "nesting_limiter.h"

namespace knot::text::detail {

// `HtmlArena` is gumbo's allocator: size classes in 64 KiB blocks, with a
// free list per class, so the chunks gumbo frees (its token buffers, and
// its vectors and strings, which grow by allocate-copy-free) are used again
// instead of piling up: the arena holds what gumbo keeps alive plus at
// most one partly used block per class. Requests over kMaxSmall bytes get a
// block of their own, returned when gumbo frees them. Every block is
// aligned to kBlockSize and starts with a header that says its class, so a
// freed pointer finds its class by masking. Chunks are 8-byte aligned,
// all that gumbo's structs need. Everything left is freed with the arena,
// never node by node (see html_document.h).
//
// The arena's blocks never add up to more than its limit: a block that
// would pass it is not allocated, and the arena jumps (longjmp) to the
// jmp_buf set by parse_within() instead, out of gumbo. Nothing on that way
// has a destructor to run (gumbo is C, and the frames of allocate() and
// new_block() hold only plain values), and everything gumbo allocated is
// in the arena, freed with it.
class HtmlArena {
 public:
  HtmlArena() = default;
  HtmlArena(const HtmlArena&) = delete;
  HtmlArena& operator=(const HtmlArena&) = delete;
  ~HtmlArena() {
    for (Block* list : {superblocks_, large_blocks_}) {
      while (list != nullptr) {
        Block* next = list->next;
        release(list);
        list = next;
      }
    }
  }

  // `set_limit()`: the most bytes of blocks, and where to jump when a
  // block would pass them (null: nowhere, no limit).
  void set_limit(std::size_t max_bytes, std::jmp_buf* overflow) noexcept {
    max_bytes_ = max_bytes;
    overflow_ = overflow;
  }

  // `bytes()`: the blocks held, superblocks counted whole.
  std::size_t bytes() const noexcept { return bytes_; }

  void* allocate(std::size_t size) noexcept {
    if (size > kMaxSmall) {
      Block* block = new_block(kHeaderSize + size, kLarge);
      block->next = large_blocks_;
      if (large_blocks_ != nullptr) {
        large_blocks_->prev = block;
      }
      large_blocks_ = block;
      return reinterpret_cast<std::byte*>(block) + kHeaderSize;
    }
    const std::size_t k = class_of(size);
    if (FreeChunk* chunk = free_[k]) {
      free_[k] = chunk->next;
      return chunk;
    }
    const std::size_t chunk_size = kClassSizes[k];
    if (static_cast<std::size_t>(end_[k] - next_[k]) < chunk_size) {
      std::byte* block = new_small_block(static_cast<std::uint32_t>(k));
      next_[k] = block + kHeaderSize;
      end_[k] = block + kBlockSize;
    }
    std::byte* p = next_[k];
    next_[k] += chunk_size;
    return p;
  }

  void deallocate(void* p) noexcept {
    if (p == nullptr) {
      return;
    }
    // Small chunks and large allocations both lie in the first kBlockSize
    // bytes of their block.
    auto* block = reinterpret_cast<Block*>(reinterpret_cast<std::uintptr_t>(p) &
                                           ~(std::uintptr_t{kBlockSize} - 1));
    if (block->size_class != kLarge) {
      auto* chunk = static_cast<FreeChunk*>(p);
      chunk->next = free_[block->size_class];
      free_[block->size_class] = chunk;
      return;
    }
    (block->prev != nullptr ? block->prev->next : large_blocks_) = block->next;
    if (block->next != nullptr) {
      block->next->prev = block->prev;
    }
    bytes_ -= block->size;
    release(block);
  }

 private:
  static constexpr std::size_t kBlockSize = 64 * 1024;
  // Small blocks are cut from superblocks of 2 MiB: allocating each 64 KiB
  // block aligned on its own leaves a free fragment before it in the C
  // heap, which costs about a page of memory per block.
  static constexpr std::size_t kSuperblockSize = 32 * kBlockSize;
  static constexpr std::size_t kHeaderSize = 64;
  static constexpr std::uint32_t kLarge = UINT32_MAX;
  // 8 to 256 bytes in steps of 8 (most of gumbo's requests: nodes are 128
  // bytes, attributes 104, new vectors and tag names 8 or less), then steps
  // of about 1.5 up to kMaxSmall.
  static constexpr std::array<std::size_t, 42> kClassSizes = [] {
    std::array<std::size_t, 42> sizes{};
    for (std::size_t k = 0; k < 32; ++k) {
      sizes[k] = 8 * (k + 1);
    }
    const std::size_t larger[] = {384, 512, 768, 1024, 1536, 2048, 3072, 4096, 6144, 8192};
    for (std::size_t k = 0; k < 10; ++k) {
      sizes[32 + k] = larger[k];
    }
    return sizes;
  }();
  static constexpr std::size_t kMaxSmall = kClassSizes.back();

  struct Block {
    std::uint32_t size_class;
    std::size_t size;
    Block* prev;  // large blocks only
    Block* next;
  };
  static_assert(sizeof(Block) <= kHeaderSize);
  struct FreeChunk {
    FreeChunk* next;
  };

  static std::size_t class_of(std::size_t size) noexcept {
    if (size <= 256) {
      return size == 0 ? 0 : (size - 1) / 8;
    }
    std::size_t k = 32;
    while (kClassSizes[k] < size) {
      ++k;
    }
    return k;
  }

  // `new_small_block()` is the next 64 KiB block of the current
  // superblock, its header saying its class.
  std::byte* new_small_block(std::uint32_t size_class) noexcept {
    if (superblock_next_ == superblock_end_) {
      Block* superblock = new_block(kSuperblockSize, kLarge);
      superblock->next = superblocks_;
      superblocks_ = superblock;
      // The superblock's own header takes its first block.
      superblock_next_ = reinterpret_cast<std::byte*>(superblock) + kBlockSize;
      superblock_end_ = reinterpret_cast<std::byte*>(superblock) + kSuperblockSize;
    }
    std::byte* block = superblock_next_;
    superblock_next_ += kBlockSize;
    new (block) Block{size_class, kBlockSize, nullptr, nullptr};
    return block;
  }

  Block* new_block(std::size_t size, std::uint32_t size_class) noexcept {
    if (overflow_ != nullptr && (size > max_bytes_ || bytes_ > max_bytes_ - size)) {
      std::longjmp(*overflow_, 1);
    }
    void* memory = ::operator new (size, std::align_val_t{kBlockSize}, std::nothrow);
    if (memory == nullptr) {
      std::fputs("knot::text: out of memory while parsing HTML\n", stderr);
      std::abort();
    }
    bytes_ += size;
    return new (memory) Block{size_class, size, nullptr, nullptr};
  }

  static void release(Block* block) noexcept {
    ::operator delete (static_cast<void*>(block), std::align_val_t{kBlockSize});
  }

  std::array<FreeChunk*, kClassSizes.size()> free_{};
  std::array<std::byte*, kClassSizes.size()> next_{};
  std::array<std::byte*, kClassSizes.size()> end_{};
  Block* superblocks_ = nullptr;
  std::byte* superblock_next_ = nullptr;
  std::byte* superblock_end_ = nullptr;
  Block* large_blocks_ = nullptr;
  std::size_t bytes_ = 0;  // of all blocks held
  std::size_t max_bytes_ = SIZE_MAX;
  std::jmp_buf* overflow_ = nullptr;
};

namespace {

void* arena_allocate(void* userdata, std::size_t size) {
  return static_cast<HtmlArena*>(userdata)->allocate(size);
}

void arena_deallocate(void* userdata, void* ptr) {
  static_cast<HtmlArena*>(userdata)->deallocate(ptr);
}

// `parse_within()` is gumbo's parse, or null when the arena jumped back
// here because it reached its limit. Nothing here changes after setjmp.
GumboOutput* parse_within(const GumboOptions* options, std::string_view html,
                          std::jmp_buf* overflow) {
  if (setjmp(*overflow) != 0) {
    return nullptr;
  }
  return gumbo_parse_with_options(options, html.data(), html.size());
}

}  // namespace

HtmlDocument::HtmlDocument(std::string_view html, std::size_t max_nodes, std::size_t max_bytes)
    : arena_(std::make_unique<HtmlArena>()) {
  if (auto limited = limit_nesting(html, kMaxNestingDepth, nullptr, max_nodes)) {
    limited_ = std::move(*limited);
    html = limited_;
  }
  GumboOptions options = kGumboDefaultOptions;
  options.allocator = &arena_allocate;
  options.deallocator = &arena_deallocate;
  options.userdata = arena_.get();
  options.max_errors = 0;
  std::jmp_buf overflow;
  arena_->set_limit(max_bytes, max_bytes == SIZE_MAX ? nullptr : &overflow);
  output_ = parse_within(&options, html, &overflow);
  arena_->set_limit(SIZE_MAX, nullptr);
}

std::size_t HtmlDocument::arena_bytes() const noexcept {
  return arena_->bytes();
}

// Everything gumbo allocated lives in the arena: no gumbo_destroy_output().
HtmlDocument::~HtmlDocument() = default;

}  // namespace knot::text::detail
