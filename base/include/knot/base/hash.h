// Stable 64-bit hashes, once for every layer.
//
//   fnv1a64()    64-bit FNV-1a over bytes (content fingerprints, checksums)
//   fnv1a_step() one byte of it, for hashes built while scanning
//   mix64()      splitmix64's finalizer (a bijection with full avalanche)
//
// The values are stored (content hashes in databases, index checksums,
// embedding model ids): never change a constant here, and never replace
// these by std::hash, whose values differ between standard libraries. Not a
// cryptographic hash; not a defence against hash flooding.
#pragma once

#include <cstdint>
#include <string_view>

namespace knot::base {

inline constexpr std::uint64_t kFnv1aOffsetBasis = 0xCBF29CE484222325ULL;
inline constexpr std::uint64_t kFnv1aPrime = 0x100000001B3ULL;

constexpr std::uint64_t fnv1a_step(std::uint64_t h, unsigned char byte) noexcept {
  return (h ^ byte) * kFnv1aPrime;
}

// fnv1a64() hashes `bytes`, starting from `basis` (the standard offset
// basis unless a caller wants separate hash spaces).
constexpr std::uint64_t fnv1a64(std::string_view bytes,
                                std::uint64_t basis = kFnv1aOffsetBasis) noexcept {
  std::uint64_t h = basis;
  for (const char c : bytes)
    h = fnv1a_step(h, static_cast<unsigned char>(c));
  return h;
}

constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace knot::base
