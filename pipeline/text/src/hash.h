// hash.h: the stable 64-bit hashes behind the hashed embedding model.
//
// The values are part of the model "knot-hash-384-v1": changing any
// constant here changes every stored vector, so it needs a new model id.
// Never replace these by std::hash, whose values differ between standard
// libraries and builds. Not a cryptographic hash; not for hash-flooding
// defence.
#pragma once

#include <cstdint>
#include <string_view>

#include "knot/base/hash.h"

namespace knot::text::detail {

using base::mix64;

// `hash64()` is 64-bit FNV-1a over the bytes of `s`, started from an offset
// basis perturbed by `seed` (so words, bigrams and subwords live in
// different hash spaces) and finished with mix64() (FNV-1a alone mixes its
// last bytes poorly into the high bits).
constexpr std::uint64_t hash64(std::string_view s, std::uint64_t seed) noexcept {
  return mix64(base::fnv1a64(s, base::kFnv1aOffsetBasis ^ mix64(seed)));
}

// `SplitMix64` is the splitmix64 generator: a stream of well-mixed 64-bit
// words from one 64-bit state. Used to expand a feature hash into its
// ±1 projection pattern.
class SplitMix64 {
 public:
  explicit constexpr SplitMix64(std::uint64_t state) noexcept : state_(state) {}
  constexpr std::uint64_t next() noexcept {
    state_ += 0x9E3779B97F4A7C15ULL;
    return mix64(state_);
  }

 private:
  std::uint64_t state_;
};

}  // namespace knot::text::detail
