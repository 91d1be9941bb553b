// Embedding models of knot-embed (models.h).
#include "knot/pipeline/models.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <stdexcept>
#include <vector>

#include "knot/pipeline/hash.h"
#include "knot/runtime/parallel_for.h"
#include "knot/text/passages.h"

namespace knot::pipeline {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// kTrainingRule names what lsa_training_texts() gives; a model learned by
// another rule is learned again.
constexpr std::string_view kTrainingRule = "pages+passages";

// corpus_fingerprint() names the texts and the options a model learns from.
std::string corpus_fingerprint(const std::vector<StoredText>& texts,
                               const text::LsaOptions& options) {
  std::string key = "lsa-options " + std::to_string(options.dimensions) + " " +
                    std::to_string(options.min_document_frequency) + " " +
                    std::to_string(options.max_words) + " " +
                    std::to_string(options.power_iterations) + " " + std::to_string(options.seed) +
                    " " + std::to_string(options.exact_texts) + " " + std::string(kTrainingRule) +
                    " " + std::to_string(kLsaPassageWords) + " " + std::to_string(kLsaMaxPassages) +
                    " " + std::to_string(text::kPassageVersion) + "\n";
  for (const StoredText& t : texts) {
    key += std::to_string(t.id) + " " + t.text_hash + "\n";  // text_hash covers title, headings
  }
  return content_hash(key);
}

// embed_all() embeds every text with `model` on the current pool, from
// `docs` (the texts as the model reads them) when given. A text with no
// word the model knows gets no vector, as the pipeline stores it.
std::vector<ItemEmbedding> embed_all(const text::Embedder& model,
                                     const std::vector<StoredText>& texts,
                                     const std::vector<std::string>* docs) {
  std::vector<ItemEmbedding> embeddings(texts.size());
  knot::parallel_for(std::size_t{0}, texts.size(), [&](std::size_t i) {
    const StoredText& t = texts[i];
    std::vector<float> v = docs != nullptr ? model.embed_text((*docs)[i])
                                           : model.embed_article(t.title, t.headings, t.text);
    if (std::all_of(v.begin(), v.end(), [](float x) { return x == 0.0F; })) {
      v.clear();
    }
    embeddings[i] = ItemEmbedding{t.id, std::move(v), t.text_hash};
  });
  return embeddings;
}

// use_hash_model() with the stored texts: the items not embedded by the
// hashed model from their current text are embedded again.
std::string use_hash_model(Store& store, const std::vector<StoredText>& texts) {
  const std::unique_ptr<text::Embedder> hashed = text::make_default_embedder();
  const std::string id = hashed->model_id();
  if (store.count_not_embedded_by(id) != 0) {
    store.write_embeddings(id, embed_all(*hashed, texts, nullptr));
  }
  store.set_search_model(id);
  return id;
}

}  // namespace

std::vector<std::string> lsa_training_texts(const std::vector<StoredText>& texts,
                                            std::size_t max_passages) {
  std::vector<std::string> pages(texts.size());
  std::vector<std::vector<std::string>> passages(texts.size());
  knot::parallel_for(std::size_t{0}, texts.size(), [&](std::size_t i) {
    const StoredText& t = texts[i];
    pages[i] = text::LsaModel::article_text(t.title, t.headings, t.text);
    for (text::Passage& p : text::split_passages(t.text, t.headings, kLsaPassageWords)) {
      passages[i].push_back(std::move(p.heading) + "\n" + std::move(p.body));
    }
  });
  std::size_t total = 0;
  for (const auto& list : passages) {
    total += list.size();
  }
  // Beyond max_passages, the j-th passage of the corpus is kept when
  // floor(j * max / total) moves on: evenly spread, the same every run.
  std::vector<std::string> out = std::move(pages);
  out.reserve(out.size() + std::min(total, max_passages));
  std::size_t j = 0;
  for (auto& list : passages) {
    for (std::string& p : list) {
      if (total <= max_passages || (j * max_passages) / total != ((j + 1) * max_passages) / total) {
        out.push_back(std::move(p));
      }
      ++j;
    }
  }
  return out;
}

std::optional<ModelChoice> parse_model_choice(std::string_view name) {
  if (name == "hash") {
    return ModelChoice::kHash;
  }
  if (name == "lsa") {
    return ModelChoice::kLsa;
  }
  return std::nullopt;
}

std::string_view to_string(ModelChoice choice) {
  return choice == ModelChoice::kLsa ? "lsa" : "hash";
}

std::unique_ptr<text::Embedder> open_search_model(const Store& store) {
  const std::optional<std::string> id = store.search_model();
  if (!id || !text::is_lsa_model_id(*id)) {
    return text::make_default_embedder();
  }
  const std::optional<StoredModel> stored = store.load_model(*id);
  if (!stored) {
    throw StoreError(StoreErrc::kCorrupt, "database '" + store.path().string() +
                                              "' names search model " + *id +
                                              ", which it does not hold: run reprocess");
  }
  try {
    return text::LsaModel::deserialize(stored->parameters);
  } catch (const std::invalid_argument& e) {
    throw StoreError(StoreErrc::kCorrupt, "database '" + store.path().string() + "': model " + *id +
                                              ": " + e.what() + ": run reprocess --force");
  }
}

std::unique_ptr<text::Embedder> pipeline_embedder(const Store& store, ModelChoice choice) {
  if (choice == ModelChoice::kLsa) {
    if (const std::optional<StoredModel> stored = store.latest_model(kLsaKind)) {
      try {
        return text::LsaModel::deserialize(stored->parameters);
      } catch (const std::invalid_argument&) {
        // Damaged: the pipeline embeds with the hashed model, and
        // update_lsa_model() learns a new model (the fingerprint differs).
      }
    }
  }
  return text::make_default_embedder();
}

LsaUpdate update_lsa_model(Store& store, const text::LsaOptions& options, bool force) {
  store.require_writable("learning a model");
  LsaUpdate update;
  const std::vector<StoredText> texts = store.load_texts();
  update.texts = texts.size();
  const std::string fingerprint = corpus_fingerprint(texts, options);
  const std::optional<StoredModel> stored = store.latest_model(kLsaKind);
  const std::optional<std::string> search = store.search_model();
  // Every item with text must carry a vector of the model: otherwise the
  // pipeline embedded with another model (the stored one did not load).
  const bool complete = stored && store.count_not_embedded_by(stored->id) == 0;
  if (!force && stored && stored->corpus == fingerprint && search == stored->id && complete) {
    update.reason = "the texts are those the model learned from";
    update.model_id = stored->id;
    return update;
  }
  update.reason = force                           ? "--force"
                  : !stored                       ? "no model yet"
                  : stored->corpus != fingerprint ? "the texts changed"
                  : search != stored->id          ? "it was not the search model"
                                                  : "some items lacked its vectors";
  auto start = Clock::now();
  std::vector<std::string> docs = lsa_training_texts(texts);
  update.passages = docs.size() - texts.size();
  const std::vector<std::string_view> views(docs.begin(), docs.end());
  std::unique_ptr<text::LsaModel> model;
  try {
    model = text::LsaModel::train(views, options,
                                  [](std::size_t n, const std::function<void(std::size_t)>& f) {
                                    knot::parallel_for(std::size_t{0}, n, f);
                                  });
  } catch (const std::invalid_argument& e) {
    // Nothing to learn from (one text, or none): the hashed model serves.
    update.reason = std::string(e.what()) + "; searching with the hashed model";
    update.model_id = use_hash_model(store, texts);
    return update;
  }
  update.train_seconds = seconds_since(start);
  update.words = model->vocabulary_size();
  start = Clock::now();
  docs.resize(texts.size());  // the pages
  std::vector<ItemEmbedding> embeddings = embed_all(*model, texts, &docs);
  StoredModel row;
  row.id = model->model_id();
  row.kind = kLsaKind;
  row.corpus = fingerprint;
  row.parameters = model->serialize();
  store.install_model(row, embeddings);
  update.embed_seconds = seconds_since(start);
  update.trained = true;
  update.model_id = row.id;
  return update;
}

std::string use_hash_model(Store& store) {
  const std::string id(text::kDefaultModelId);
  if (store.count_not_embedded_by(id) == 0) {
    store.set_search_model(id);  // nothing to embed: no text is read
    return id;
  }
  return use_hash_model(store, store.load_texts());
}

}  // namespace knot::pipeline
