// Embedding models of knot-embed: which one a database searches with, and
// keeping the corpus-learned one (LSA, knot/text/lsa.h) in step with the
// texts.
//
//   ModelChoice        hash (the built-in hashed model) or lsa (learned)
//   open_search_model  the model whose vectors a database's search compares
//   pipeline_embedder  the model reprocess's pipeline embeds with
//   update_lsa_model   after reprocess: learn and install a new LSA model
//                      when the texts changed
//   use_hash_model     make the hashed model the search model
//
// A database keeps one search model (meta 'search_model'); each vector
// carries the id of the model that made it, and search compares only the
// vectors of the search model: models are never mixed. An item whose
// vector is of another model is found by BM25 alone until reprocess
// embeds it again.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "knot/pipeline/store.h"
#include "knot/text/embedder.h"
#include "knot/text/lsa.h"

namespace knot::pipeline {

enum class ModelChoice { kHash, kLsa };

// parse_model_choice() reads "hash" or "lsa"; nullopt otherwise.
std::optional<ModelChoice> parse_model_choice(std::string_view name);
std::string_view to_string(ModelChoice choice);

// kLsaKind is the models table's kind of an LSA model.
inline constexpr std::string_view kLsaKind = "lsa";

// The LSA model learns from each page as a whole and from each of its
// passages of at most kLsaPassageWords words (text::split_passages(): a
// passage never spans two sections), without the page's title. A page
// puts every word of its sections together; a passage only the words of
// one section, which is what relates "environment" to "variable" in a
// long page about everything the operating system offers. At most
// kLsaMaxPassages passages are learned from, evenly spread over the
// corpus beyond that (every passage when there are fewer): the
// decomposition's memory grows with the texts it learns from.
inline constexpr std::size_t kLsaPassageWords = 400;
inline constexpr std::size_t kLsaMaxPassages = 100000;

// lsa_training_texts() is what the LSA model learns from, for `texts`: each
// page (text::LsaModel::article_text()), in the order of `texts`, then the
// passages, in the same order.
std::vector<std::string> lsa_training_texts(const std::vector<StoredText>& texts,
                                            std::size_t max_passages = kLsaMaxPassages);

// open_search_model() is the embedder of `store`'s search model: the LSA
// model it names (read from the models table), or the hashed model when
// the database names none or the hashed one. Throws StoreError (kCorrupt)
// when the named model is missing or does not verify.
std::unique_ptr<text::Embedder> open_search_model(const Store& store);

// pipeline_embedder() is what reprocess's stage 'embed' runs for `choice`:
// the hashed model, or the stored LSA model (the hashed one before any LSA
// model was learned; update_lsa_model() then replaces its vectors).
std::unique_ptr<text::Embedder> pipeline_embedder(const Store& store, ModelChoice choice);

// LsaUpdate is what update_lsa_model() did.
struct LsaUpdate {
  bool trained = false;
  std::string reason;    // why it learned a new model, or why not
  std::string model_id;  // the search model afterwards
  std::size_t texts = 0;
  std::size_t passages = 0;  // learned from beside the texts
  std::size_t words = 0;     // vocabulary
  double train_seconds = 0;
  double embed_seconds = 0;
};

// update_lsa_model() learns an LSA model from every stored text, embeds
// every item with it (on the current pool) and installs both (one
// transaction), unless the stored model learned from exactly these texts
// with these options (`force` learns anew anyway). Texts too few to learn
// from (one, or none) leave the hashed model as the search model
// (use_hash_model()), and `reason` says so. Throws StoreError.
LsaUpdate update_lsa_model(Store& store, const text::LsaOptions& options = {}, bool force = false);

// use_hash_model() makes the hashed model the search model, after
// embedding again with it every item whose vector is of another model or
// of an older text (the pipeline did so already after a `--model hash`
// run). Returns the hashed model's id.
std::string use_hash_model(Store& store);

}  // namespace knot::pipeline
