// knot/text/embedder.h: text embeddings for knot-embed's search.
//
// An `Embedder` maps the tokens of one text to a fixed-size, L2-normalized
// vector; `cosine()` compares two such vectors. The default model,
// "knot-hash-384-v1", needs no downloaded weights:
//
// - features: each word, each pair of adjacent words, and each subword
//   3-gram, hashed with a stable 64-bit hash (FNV-1a folded through a
//   splitmix64 finalizer; never std::hash, whose values change between
//   builds);
// - weights: sublinear term frequency (1 + ln tf) times a corpus-free
//   stand-in for IDF: a built-in English stop-word list weighs 0.1, short
//   words (one or two characters) and numbers 0.5, other words 1; a bigram
//   weighs half the geometric mean of its words; a subword weighs 0.35 of
//   the word it came from (a word of n letters has n subwords, whose
//   squared weights add up to about the word's own for n = 8);
// - projection: each feature's hash seeds a splitmix64 stream whose bits
//   give a ±1 pattern over the 384 dimensions (a signed random projection),
//   scaled by the feature's weight and summed; the sum is L2-normalized.
//
// Honest limits: this captures lexical similarity only. Texts score high
// when they share words, word pairs or word pieces (so "gardening" is near
// "garden" and typos still partly match), and score near zero otherwise.
// It knows no synonyms ("car" vs "automobile"), no word sense, no
// paraphrase that changes the vocabulary, and no language other than
// through shared character n-grams. Its stop-word list is English only.
// Replace it by another Embedder (a different model_id) for semantics.
//
//   Embedder               the interface; thread-safe. embed_text() embeds
//                          a text without building its token list.
//   make_default_embedder  the hashed model above.
//   cosine                 similarity of two vectors.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "knot/text/tokenizer.h"

namespace knot::text {

// `Embedder` turns tokens into a vector. Implementations must be
// thread-safe: `embed()` may run concurrently on many threads, with no
// locking by the caller.
class Embedder {
 public:
  virtual ~Embedder() = default;

  // `model_id()` names the model and its version, e.g. "knot-hash-384-v1".
  // It is stored with each vector: vectors with different ids must never
  // be compared, and a changed id means every item is re-embedded.
  virtual std::string model_id() const = 0;

  // `dimensions()` is the length of every vector `embed()` returns.
  virtual std::size_t dimensions() const = 0;

  // `embed()` returns the L2-normalized embedding of `tokens` (the output
  // of tokenize()), or all zeros when there are no tokens. Deterministic:
  // the same tokens give the same vector on every run and every build.
  virtual std::vector<float> embed(const std::vector<Token>& tokens) const = 0;

  // `embed_text()` is embed(tokenize(text)), the same vector bit for bit:
  // all zeros when `text` has no tokens. The default does just that; the
  // default model reads the text as a stream instead, without the token
  // list (40 bytes a token, about one token per byte of text), in at most
  // 4 bytes per byte of text plus 1 MiB and 64 KiB.
  virtual std::vector<float> embed_text(std::string_view text) const;

  // `embed_article()` embeds an extracted page (extract.h's Article): what
  // knot-embed stores for an item. The default embeds the text alone (the
  // hashed model); a model may weigh the title and headings in.
  virtual std::vector<float> embed_article(std::string_view title, std::string_view headings,
                                           std::string_view text) const;
};

// `kDefaultModelId` and `kDefaultDimensions` describe make_default_embedder().
inline constexpr std::string_view kDefaultModelId = "knot-hash-384-v1";
inline constexpr std::size_t kDefaultDimensions = 384;

// `make_default_embedder()` returns the hashed model described at the top
// of this file. Cheap to create; it holds no tables beyond static constants.
std::unique_ptr<Embedder> make_default_embedder();

// `cosine()` is the cosine similarity of `a` and `b` in [-1, 1], computed in
// double precision. Returns 0 when the sizes differ or either vector is all
// zeros. For L2-normalized vectors it equals their dot product.
float cosine(std::span<const float> a, std::span<const float> b);

}  // namespace knot::text
