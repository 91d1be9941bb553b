// embedder.cc: the hashed model "knot-hash-384-v1" (HashEmbedder),
// make_default_embedder() and cosine().
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>

#include "hash.h"
#include "hash_embedder.h"
#include "stop_words.h"
#include "token_stream.h"

namespace knot::text {
namespace detail {
namespace {

// ---------------------------------------------------------------------------
// Model constants. Every value here is part of "knot-hash-384-v1".

constexpr std::size_t kDims = kDefaultDimensions;
static_assert(kDims % 64 == 0, "the projection consumes 64 sign bits at a time");

// Seeds that separate the hash spaces of the three feature kinds.
constexpr std::uint64_t kWordSeed = 0x776F7264;      // "word"
constexpr std::uint64_t kSubwordSeed = 0x73756277;   // "subw"
constexpr std::uint64_t kBigramSalt = 0x6269677261;  // "bigra"

// The corpus-free stand-in for IDF (see embedder.h).
constexpr float kStopWordWeight = 0.1F;
constexpr float kMinorWordWeight = 0.5F;  // one or two characters, or digits only
constexpr float kWordWeight = 1.0F;
constexpr float kBigramFactor = 0.5F;
constexpr float kSubwordFactor = 0.35F;

// `Feature` is one hashed feature: while features are gathered, the
// largest weight seen for its hash and how often it was seen.
struct Feature {
  std::uint64_t hash;
  float weight;
  std::uint32_t count;
};
static_assert(sizeof(Feature) == 16, "a table entry is 16 bytes");

// The smallest feature table, in entries (1 MiB): texts up to about
// 256 KiB fit it whole.
constexpr std::size_t kMinTableEntries = std::size_t{1} << 16;

// The table's front (accumulate()) has as many entries as the table is
// asked to hold, rounded up to a power of two, within these bounds (64 KiB
// at most).
constexpr std::size_t kMinFrontEntries = 64;
constexpr std::size_t kMaxFrontEntries = std::size_t{1} << 12;

std::size_t count_code_points(std::string_view s) {
  std::size_t n = 0;
  for (const char c : s) {
    n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  }
  return n;
}

float word_weight(std::string_view word) {
  if (is_stop_word(word)) {
    return kStopWordWeight;
  }
  const bool digits_only =
      std::all_of(word.begin(), word.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits_only || count_code_points(word) <= 2) {
    return kMinorWordWeight;
  }
  return kWordWeight;
}

std::uint64_t bigram_hash(std::uint64_t first, std::uint64_t second) {
  // The multiply makes the pair ordered: "dog bites" != "bites dog".
  return mix64((first * 0x9E3779B97F4A7C15ULL) ^ second ^ kBigramSalt);
}

// `kSigns[b][k]` is -1 when bit k of byte b is set, else +1.
constexpr std::array<std::array<float, 8>, 256> make_sign_table() {
  std::array<std::array<float, 8>, 256> table{};
  for (std::size_t b = 0; b < 256; ++b) {
    for (std::size_t k = 0; k < 8; ++k) {
      table[b][k] = ((b >> k) & 1U) != 0 ? -1.0F : 1.0F;
    }
  }
  return table;
}
constexpr auto kSigns = make_sign_table();

// `add_projection()` adds value * s to `acc`, where s is the ±1 pattern
// drawn from a splitmix64 stream seeded by `hash`: bit j of the k-th word
// gives the sign of dimension 64k + j (set bit: negative). The bits are
// looked up a byte at a time in kSigns, so the inner loop is eight
// multiply-adds that the compiler vectorizes even for baseline x86-64.
void add_projection(std::array<float, kDims>& acc, std::uint64_t hash, float value) {
  SplitMix64 rng(hash);
  float* dst = acc.data();
  for (std::size_t block = 0; block < kDims / 64; ++block) {
    std::uint64_t bits = rng.next();
    for (std::size_t byte = 0; byte < 8; ++byte, bits >>= 8, dst += 8) {
      const std::array<float, 8>& signs = kSigns[bits & 0xFF];
      for (std::size_t k = 0; k < 8; ++k) {
        dst[k] += value * signs[k];
      }
    }
  }
}

}  // namespace

std::string HashEmbedder::model_id() const {
  return std::string(kDefaultModelId);
}

std::size_t HashEmbedder::dimensions() const {
  return kDims;
}

namespace {

// `FeatureMaker` turns tokens, in tokenize()'s order, into features: each
// word (with its weight), the pair it makes with the word before it, and
// its subwords, which inherit the word's weight (so the pieces of "which"
// weigh as little as "which" itself).
class FeatureMaker {
 public:
  template <class Emit>
  void add(std::string_view token, bool is_subword, Emit& emit) {
    if (is_subword) {
      emit(hash64(token, kSubwordSeed), kSubwordFactor * current_word_weight_);
      return;
    }
    const std::uint64_t h = hash64(token, kWordSeed);
    const float w = word_weight(token);
    emit(h, w);
    if (has_previous_) {
      emit(bigram_hash(previous_hash_, h), kBigramFactor * std::sqrt(previous_weight_ * w));
    }
    has_previous_ = true;
    previous_hash_ = h;
    previous_weight_ = w;
    current_word_weight_ = w;
  }

 private:
  bool has_previous_ = false;
  std::uint64_t previous_hash_ = 0;
  float previous_weight_ = 0.0F;
  float current_word_weight_ = kWordWeight;
};

// `compact()` sorts `table` by hash and merges the entries of equal hashes
// (largest weight, summed count; a count that would overflow starts a new
// entry).
void compact(std::vector<Feature>& table) {
  std::sort(table.begin(), table.end(),
            [](const Feature& a, const Feature& b) { return a.hash < b.hash; });
  std::size_t out = 0;
  for (const Feature& f : table) {
    Feature* last = out > 0 ? &table[out - 1] : nullptr;
    if (last != nullptr && last->hash == f.hash && last->count <= UINT32_MAX - f.count) {
      last->weight = std::max(last->weight, f.weight);
      last->count += f.count;
    } else {
      table[out++] = f;
    }
  }
  table.resize(out);
}

// `project()` adds the projection of each distinct feature of the compacted
// `table` to `acc`, in hash order: max(weight) * (1 + ln tf).
void project(const std::vector<Feature>& table, std::array<float, kDims>& acc) {
  for (std::size_t i = 0; i < table.size();) {
    float weight = 0.0F;
    std::uint64_t tf = 0;
    std::size_t j = i;
    for (; j < table.size() && table[j].hash == table[i].hash; ++j) {
      weight = std::max(weight, table[j].weight);
      tf += table[j].count;
    }
    add_projection(acc, table[i].hash,
                   static_cast<float>(weight * (1.0 + std::log(static_cast<double>(tf)))));
    i = j;
  }
}

// `accumulate()` adds the projections of the features that `source` emits
// (source(emit) calls emit(hash, weight) for each, the same ones on every
// call) to `acc`, in hash order, holding at most about `capacity` table
// entries. Equal hashes are merged whenever the table fills; when it is
// still three quarters full after that, the pass keeps only the lower half
// of its hash range, and another pass over the source reads the rest. A
// text with few different features takes one pass.
//
// A small direct-mapped front (a slot per low bits of the hash, at most
// kMaxFrontEntries) merges a feature seen again while it is still in its
// slot, before it reaches the table: natural text repeats most of its
// features (1.2 a byte, of which 0.05 to 0.13 different), so the table
// holds and sorts several times fewer entries. Merging is a max and a sum
// of integers, exact in any order, and the table is still projected in
// hash order: the vector is the same, bit for bit.
template <class Source>
void accumulate(const Source& source, std::size_t capacity, std::array<float, kDims>& acc) {
  const std::size_t front_size =
      std::bit_ceil(std::clamp(capacity, kMinFrontEntries, kMaxFrontEntries));
  capacity = std::max(capacity, kMinTableEntries);
  std::vector<Feature> table;
  table.reserve(capacity);
  std::vector<Feature> front(front_size);
  std::uint64_t lo = 0;
  for (;;) {
    std::uint64_t hi = UINT64_MAX;  // this pass gathers the hashes in [lo, hi]
    table.clear();
    std::fill(front.begin(), front.end(), Feature{0, 0.0F, 0});  // count 0: empty
    auto add_to_table = [&](const Feature& f) {
      if (f.hash > hi) {
        return;  // above a range the pass gave up
      }
      if (table.size() == capacity) {
        compact(table);
        while (table.size() > capacity / 4 * 3 && hi > lo) {
          hi = lo + (hi - lo) / 2;
          const auto above =
              std::upper_bound(table.begin(), table.end(), hi,
                               [](std::uint64_t h, const Feature& e) { return h < e.hash; });
          table.erase(above, table.end());
        }
        if (f.hash > hi) {
          return;
        }
      }
      table.push_back(f);
    };
    source([&](std::uint64_t hash, float weight) {
      if (hash < lo || hash > hi) {
        return;
      }
      Feature& slot = front[hash & (front_size - 1)];
      if (slot.count != 0 && slot.hash == hash && slot.count < UINT32_MAX) {
        slot.weight = std::max(slot.weight, weight);
        ++slot.count;
        return;
      }
      if (slot.count != 0) {
        add_to_table(slot);
      }
      slot = Feature{hash, weight, 1};
    });
    for (const Feature& f : front) {
      if (f.count != 0) {
        add_to_table(f);
      }
    }
    compact(table);
    project(table, acc);
    if (hi == UINT64_MAX) {
      return;
    }
    lo = hi + 1;
  }
}

// `normalized()` is `acc` scaled to unit length (all zeros stay zeros).
std::vector<float> normalized(const std::array<float, kDims>& acc) {
  std::vector<float> result(kDims, 0.0F);
  double norm_sq = 0.0;
  for (const float v : acc) {
    norm_sq += static_cast<double>(v) * v;
  }
  if (norm_sq > 0.0) {
    const double inv = 1.0 / std::sqrt(norm_sq);
    for (std::size_t d = 0; d < kDims; ++d) {
      result[d] = static_cast<float>(acc[d] * inv);
    }
  }
  return result;
}

}  // namespace

// The token list is already in memory: a table of two entries per token
// holds all its features, so one pass.
std::vector<float> HashEmbedder::embed(const std::vector<Token>& tokens) const {
  std::array<float, kDims> acc{};
  accumulate(
      [&tokens](auto&& emit) {
        FeatureMaker maker;
        for (const Token& token : tokens) {
          maker.add(token.text, token.is_subword, emit);
        }
      },
      2 * tokens.size(), acc);
  return normalized(acc);
}

// A text has at most 1.2 features per byte ("abcd " gives a word, a pair and
// four subwords): a table of a quarter entry per byte (4 bytes per byte of
// text) takes one pass unless the text has more than about 0.19 different
// features per byte (natural text has 0.05 to 0.13).
std::vector<float> HashEmbedder::embed_text(std::string_view text) const {
  std::array<float, kDims> acc{};
  accumulate(
      [text](auto&& emit) {
        FeatureMaker maker;
        for_each_token(text, [&](std::string_view token, bool is_subword) {
          maker.add(token, is_subword, emit);
        });
      },
      text.size() / 4, acc);
  return normalized(acc);
}

}  // namespace detail

std::vector<float> Embedder::embed_text(std::string_view text) const {
  return embed(tokenize(text));
}

std::vector<float> Embedder::embed_article(std::string_view /*title*/,
                                           std::string_view /*headings*/,
                                           std::string_view text) const {
  return embed_text(text);
}

std::unique_ptr<Embedder> make_default_embedder() {
  return std::make_unique<detail::HashEmbedder>();
}

float cosine(std::span<const float> a, std::span<const float> b) {
  if (a.size() != b.size() || a.empty()) {
    return 0.0F;
  }
  double dot = 0.0;
  double norm_a = 0.0;
  double norm_b = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    dot += static_cast<double>(a[i]) * b[i];
    norm_a += static_cast<double>(a[i]) * a[i];
    norm_b += static_cast<double>(b[i]) * b[i];
  }
  if (norm_a == 0.0 || norm_b == 0.0) {
    return 0.0F;
  }
  const double c = dot / std::sqrt(norm_a * norm_b);
  return static_cast<float>(std::clamp(c, -1.0, 1.0));
}

}  // namespace knot::text
