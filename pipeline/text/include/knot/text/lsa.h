// knot/text/lsa.h: a corpus-learned embedding model, latent semantic
// analysis (Deerwester et al., 1990).
//
// `LsaModel::train()` reads a collection of texts and learns, from which
// words occur together in them, a k-dimensional "concept" space: the
// truncated singular value decomposition X ~ U S V^T of the collection's
// TF-IDF matrix X (documents x words). A text is embedded by folding it
// in: its TF-IDF vector x times V, L2-normalized (for a training text this
// is its row of U S). Two texts that use different words of the same topic
// ("csv" and "comma-separated", "http" and "url") land near each other
// when the collection uses those words together: what the hashed model
// (embedder.h) cannot do. It knows only the collection it was trained on:
// a word it never saw contributes nothing.
//
// - Words: tokenize()'s words (not its subwords), without stop words,
//   numbers and one-letter words; a word counts when at least
//   `min_document_frequency` texts have it, but not every text (its IDF
//   would be 0); at most `max_words`, the most frequent. A word of one
//   text stays by default: folded in, it points at that text, which is
//   what a search for a rare name wants.
// - Weights: (1 + ln tf) * ln(N / df), rows L2-normalized.
// - Decomposition, on Eigen: exact for up to `exact_texts` texts (the
//   eigenvectors of X X^T); for more, a randomized SVD (Halko, Martinsson
//   and Tropp, 2011) with `power_iterations` subspace iterations, its
//   random matrix from a fixed seed, its products with X spread over
//   `for_each_index`. The same texts in the same order give the same
//   model, bit for bit, on every run of one build, whatever the loop.
//
// The model id is "knot-lsa-<k>-v1-<fingerprint>", the fingerprint a hash
// of the model's parameters: vectors from models trained on different
// collections never share an id, so they are never compared.
//
//   LsaOptions       dimensions, vocabulary limits, iterations
//   LsaModel         train(), serialize() / deserialize(), the Embedder
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "knot/text/embedder.h"

namespace knot::text {

struct LsaOptions {
  std::size_t dimensions = 128;  // k (fewer when the collection is smaller)
  std::size_t min_document_frequency = 1;
  std::size_t max_words = 100000;
  int power_iterations = 2;       // randomized SVD only
  std::uint64_t seed = 0x6C7361;  // "lsa"
  // Up to this many texts the decomposition is exact (a texts x texts
  // eigenproblem: 32 MiB and about a second at 2,000); randomized beyond.
  std::size_t exact_texts = 2000;
};

// kLsaModelPrefix starts every LSA model id.
inline constexpr std::string_view kLsaModelPrefix = "knot-lsa-";

class LsaModel final : public Embedder {
 public:
  // train() learns a model from `texts`. Throws std::invalid_argument when
  // there is too little to learn from (fewer than 2 texts with words, or
  // fewer than 2 words left after the limits).
  //
  // `for_each_index`, when given, is a parallel loop (for example
  // knot::parallel_for) that must call its function once for each index
  // in [0, n) and return when all calls have: the texts are read, and the
  // randomized decomposition's products computed, through it. knot::text
  // itself starts no threads.
  using ForEachIndex = std::function<void(std::size_t n, const std::function<void(std::size_t)>&)>;
  static std::unique_ptr<LsaModel> train(std::span<const std::string_view> texts,
                                         const LsaOptions& options = {},
                                         const ForEachIndex& for_each_index = {});

  // serialize() is the model as bytes (format version 1, with a checksum);
  // deserialize() reads them back, or throws std::invalid_argument saying
  // what is wrong (not a model, another version, damaged).
  std::string serialize() const;
  static std::unique_ptr<LsaModel> deserialize(std::string_view bytes);

  std::string model_id() const override { return id_; }
  std::size_t dimensions() const override { return k_; }
  std::vector<float> embed(const std::vector<Token>& tokens) const override;
  std::vector<float> embed_text(std::string_view text) const override;
  // The title counts twice (it names the topic), then the headings and text.
  std::vector<float> embed_article(std::string_view title, std::string_view headings,
                                   std::string_view text) const override;
  // article_text() is what embed_article() embeds, and what train() should
  // be given for each page.
  static std::string article_text(std::string_view title, std::string_view headings,
                                  std::string_view text);

  std::size_t vocabulary_size() const noexcept { return words_.size(); }

 private:
  LsaModel() = default;
  void finish();  // builds the word index and the id from the parameters
  std::vector<float> fold_in(const std::unordered_map<std::string, std::uint32_t>& counts) const;

  std::size_t k_ = 0;
  std::vector<std::string> words_;  // sorted
  std::vector<float> idf_;          // per word
  std::vector<float> basis_;        // words x k, row-major: V (times nothing)
  std::unordered_map<std::string_view, std::uint32_t> index_;
  std::string id_;
};

// is_lsa_model_id() says whether `model_id` names an LSA model.
bool is_lsa_model_id(std::string_view model_id) noexcept;

}  // namespace knot::text
