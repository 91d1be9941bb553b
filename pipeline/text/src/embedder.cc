// embedder.cc: the hashed model "knot-hash-384-v1" (HashEmbedder),
// make_default_embedder() and cosine().
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

#include "hash.h"
#include "hash_embedder.h"
#include "stop_words.h"

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

struct Feature {
  std::uint64_t hash;
  float weight;
};

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

std::vector<float> HashEmbedder::embed(const std::vector<Token>& tokens) const {
  std::vector<float> result(kDims, 0.0F);
  if (tokens.empty()) {
    return result;
  }

  // 1. Features with their base weights. A subword inherits its weight from
  //    the word before it (tokenize() emits a word, then its subwords), so
  //    the pieces of "which" weigh as little as "which" itself.
  std::vector<Feature> features;
  features.reserve(tokens.size() * 2);
  bool has_previous = false;
  std::uint64_t previous_hash = 0;
  float previous_weight = 0.0F;
  float current_word_weight = kWordWeight;
  for (const Token& token : tokens) {
    if (token.is_subword) {
      features.push_back({hash64(token.text, kSubwordSeed), kSubwordFactor * current_word_weight});
      continue;
    }
    const std::uint64_t h = hash64(token.text, kWordSeed);
    const float w = word_weight(token.text);
    features.push_back({h, w});
    if (has_previous) {
      features.push_back(
          {bigram_hash(previous_hash, h), kBigramFactor * std::sqrt(previous_weight * w)});
    }
    has_previous = true;
    previous_hash = h;
    previous_weight = w;
    current_word_weight = w;
  }

  // 2. Term frequencies: equal hashes are adjacent after sorting. Each
  //    distinct feature contributes max(weight) * (1 + ln tf). Summation
  //    follows hash order, so the result does not depend on sort stability.
  std::sort(features.begin(), features.end(),
            [](const Feature& a, const Feature& b) { return a.hash < b.hash; });
  std::array<float, kDims> acc{};
  for (std::size_t i = 0; i < features.size();) {
    std::size_t j = i;
    float weight = 0.0F;
    while (j < features.size() && features[j].hash == features[i].hash) {
      weight = std::max(weight, features[j].weight);
      ++j;
    }
    const auto tf = static_cast<double>(j - i);
    add_projection(acc, features[i].hash, static_cast<float>(weight * (1.0 + std::log(tf))));
    i = j;
  }

  // 3. L2 normalization.
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

}  // namespace detail

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
