// lsa.cc: LsaModel (lsa.h): training by randomized SVD on Eigen, the
// serialized form, folding texts in.
#include "knot/text/lsa.h"

#include <Eigen/Dense>
#include <Eigen/SparseCore>
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <numbers>
#include <stdexcept>
#include <utility>

#include "hash.h"
#include "stop_words.h"
#include "token_stream.h"

namespace knot::text {
namespace {

using Dense = Eigen::MatrixXd;
using Sparse = Eigen::SparseMatrix<double, Eigen::RowMajor>;

constexpr std::size_t kOversampling = 16;  // extra random directions (Halko et al.)
// The randomized decomposition's products are cut into column blocks of
// this width, one per call of the loop.
constexpr Eigen::Index kProductColumns = 16;
constexpr std::uint32_t kFormatVersion = 1;
constexpr std::string_view kMagic = "KNOTLSA\n";
constexpr std::uint64_t kChecksumSeed = 0x6C73612D73756D;  // "lsa-sum"

// counts_word() is the vocabulary rule: not a stop word, not one letter,
// not a number.
bool counts_word(std::string_view w) {
  if (w.size() < 2 || detail::is_stop_word(w)) {
    return false;
  }
  return !std::all_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// WordCounts is each counted word of a text and how often it occurs.
// (Folding plurals, Harman's S-stemmer, made the relevance set's figures
// worse: docs/benchmarks.md.)
using WordCounts = std::unordered_map<std::string, std::uint32_t>;

void count(WordCounts& counts, std::string_view word, bool is_subword) {
  if (!is_subword && counts_word(word)) {
    ++counts[std::string(word)];
  }
}

WordCounts word_counts(std::string_view text) {
  WordCounts counts;
  detail::for_each_token(
      text, [&](std::string_view t, bool is_subword) { count(counts, t, is_subword); });
  return counts;
}

WordCounts word_counts(const std::vector<Token>& tokens) {
  WordCounts counts;
  for (const Token& t : tokens) {
    count(counts, t.text, t.is_subword);
  }
  return counts;
}

// orthonormalize() returns an orthonormal basis of the columns of `m`.
Dense orthonormalize(const Dense& m) {
  Eigen::HouseholderQR<Dense> qr(m);
  return qr.householderQ() * Dense::Identity(m.rows(), m.cols());
}

// for_each() runs f(i) for each i in [0, n), through `loop` when given.
void for_each(const LsaModel::ForEachIndex& loop, std::size_t n,
              const std::function<void(std::size_t)>& f) {
  if (loop) {
    loop(n, f);
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      f(i);
    }
  }
}

// product() is a * d, its column blocks computed through `loop`. Each
// element is summed in the order the whole product would sum it, so the
// result is the same, bit for bit, however the blocks are run.
template <typename SparseExpr>
Dense product(const SparseExpr& a, const Dense& d, const LsaModel::ForEachIndex& loop) {
  Dense out(a.rows(), d.cols());
  const auto blocks = static_cast<std::size_t>((d.cols() + kProductColumns - 1) / kProductColumns);
  for_each(loop, blocks, [&](std::size_t b) {
    const Eigen::Index first = static_cast<Eigen::Index>(b) * kProductColumns;
    const Eigen::Index width = std::min(kProductColumns, d.cols() - first);
    out.middleCols(first, width).noalias() = a * d.middleCols(first, width);
  });
  return out;
}

// gaussian() fills a rows x cols matrix from fixed-seed streams, one per
// column (Box-Muller over splitmix64), the same on every run; the columns
// are filled through `loop`.
Dense gaussian(Eigen::Index rows, Eigen::Index cols, std::uint64_t seed,
               const LsaModel::ForEachIndex& loop) {
  Dense g(rows, cols);
  for_each(loop, static_cast<std::size_t>(cols), [&](std::size_t col) {
    detail::SplitMix64 rng(seed ^ (0x9E3779B97F4A7C15ULL * (col + 1)));
    auto uniform = [&] {  // in (0, 1]
      return (static_cast<double>(rng.next() >> 11) + 1.0) * 0x1.0p-53;
    };
    const auto j = static_cast<Eigen::Index>(col);
    for (Eigen::Index i = 0; i < rows; ++i) {
      g(i, j) =
          std::sqrt(-2.0 * std::log(uniform())) * std::cos(2.0 * std::numbers::pi * uniform());
    }
  });
  return g;
}

// ---- The serialized form: little-endian, whatever the host. ----

void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) {
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }
}

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  std::uint32_t u32() {
    need(4);
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      v |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes_[pos_ + i])) << (8 * i);
    }
    pos_ += 4;
    return v;
  }
  std::string_view bytes(std::size_t n) {
    need(n);
    std::string_view s = bytes_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  std::size_t left() const { return bytes_.size() - pos_; }

 private:
  void need(std::size_t n) const {
    if (bytes_.size() - pos_ < n) {
      throw std::invalid_argument("LSA model: truncated");
    }
  }
  std::string_view bytes_;
  std::size_t pos_ = 0;
};

std::uint64_t checksum(std::string_view body) {
  return detail::hash64(body, kChecksumSeed);
}

}  // namespace

bool is_lsa_model_id(std::string_view model_id) noexcept {
  return model_id.starts_with(kLsaModelPrefix);
}

std::unique_ptr<LsaModel> LsaModel::train(std::span<const std::string_view> texts,
                                          const LsaOptions& options,
                                          const ForEachIndex& for_each_index) {
  // Words of each text, and in how many texts each word occurs.
  std::vector<WordCounts> docs(texts.size());
  for_each(for_each_index, texts.size(), [&](std::size_t i) { docs[i] = word_counts(texts[i]); });
  std::unordered_map<std::string, std::uint32_t> df;
  for (const WordCounts& d : docs) {
    for (const auto& [word, count] : d) {
      ++df[word];
    }
  }
  std::erase_if(docs, [](const auto& d) { return d.empty(); });
  const std::size_t n = docs.size();
  // The vocabulary: frequent enough, the max_words most frequent, sorted.
  std::vector<std::pair<std::string, std::uint32_t>> kept;
  for (auto& [word, count] : df) {
    if (count >= options.min_document_frequency && count < n) {
      kept.emplace_back(word, count);
    }
  }
  if (kept.size() > options.max_words) {
    std::nth_element(kept.begin(), kept.begin() + static_cast<std::ptrdiff_t>(options.max_words),
                     kept.end(), [](const auto& a, const auto& b) {
                       return a.second != b.second ? a.second > b.second : a.first < b.first;
                     });
    kept.resize(options.max_words);
  }
  std::sort(kept.begin(), kept.end());
  const std::size_t m = kept.size();
  if (n < 2 || m < 2) {
    throw std::invalid_argument("too little to learn a model from (" + std::to_string(n) +
                                " texts with words, " + std::to_string(m) +
                                " words that tell texts apart)");
  }
  std::unique_ptr<LsaModel> model(new LsaModel());
  model->words_.reserve(m);
  model->idf_.reserve(m);
  std::unordered_map<std::string_view, std::uint32_t> column;
  for (std::size_t j = 0; j < m; ++j) {
    model->words_.push_back(kept[j].first);
    model->idf_.push_back(
        static_cast<float>(std::log(static_cast<double>(n) / static_cast<double>(kept[j].second))));
  }
  for (std::size_t j = 0; j < m; ++j) {
    column.emplace(model->words_[j], static_cast<std::uint32_t>(j));
  }
  // X: TF-IDF, rows L2-normalized.
  std::vector<Eigen::Triplet<double>> entries;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t first = entries.size();
    double norm = 0;
    for (const auto& [word, count] : docs[i]) {
      auto it = column.find(word);
      if (it == column.end()) {
        continue;
      }
      const double w = (1.0 + std::log(static_cast<double>(count))) * model->idf_[it->second];
      entries.emplace_back(static_cast<int>(i), static_cast<int>(it->second), w);
      norm += w * w;
    }
    norm = std::sqrt(norm);
    for (std::size_t e = first; e < entries.size() && norm > 0; ++e) {
      entries[e] =
          Eigen::Triplet<double>(entries[e].row(), entries[e].col(), entries[e].value() / norm);
    }
  }
  docs.clear();
  Sparse x(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(m));
  x.setFromTriplets(entries.begin(), entries.end());
  entries.clear();
  entries.shrink_to_fit();

  // The top singular vectors through a small symmetric eigenproblem
  // C = B B^T: for a collection of up to `exact_texts` texts, B = X itself
  // (C = X X^T, texts x texts: exact); beyond, B = Q^T X with Q an
  // orthonormal basis of X's range found by a randomized range finder with
  // subspace iteration (Halko et al.). Either way V = B^T U S^-1.
  //
  // Each subspace iteration is Q <- orth(X (X^T Q)), orthonormalized on
  // the texts' side only. X^T Q, words x l, is the larger matrix, and its
  // QR cost more than all the products. Without it, the columns' lengths
  // spread by the squares of X's top singular values, not by the values,
  // before the next QR; doubles hold that: the relevance figures were the
  // same with and without it (docs/benchmarks.md), and
  // LsaTest.TheRandomizedDecompositionAgreesWithTheExactOne holds the
  // result to the exact decomposition.
  const bool exact = n <= options.exact_texts;
  Dense c;
  Dense bt;  // B^T, m x l (randomized only; X^T is used sparse otherwise)
  if (exact) {
    const Sparse gram = x * x.transpose();
    c = Dense(gram);
  } else {
    const auto l =
        static_cast<Eigen::Index>(std::min(options.dimensions + kOversampling, std::min(n, m)));
    Dense q = orthonormalize(
        product(x, gaussian(static_cast<Eigen::Index>(m), l, options.seed, for_each_index),
                for_each_index));
    for (int it = 0; it < options.power_iterations; ++it) {
      q = orthonormalize(product(x, product(x.transpose(), q, for_each_index), for_each_index));
    }
    bt = product(x.transpose(), q, for_each_index);
    c = bt.transpose() * bt;
  }
  const Eigen::SelfAdjointEigenSolver<Dense> eig(c);  // ascending eigenvalues
  const Eigen::VectorXd& lambda = eig.eigenvalues();
  const Eigen::Index l = lambda.size();
  std::size_t k = 0;
  const double largest = lambda(l - 1);
  while (k < options.dimensions && static_cast<Eigen::Index>(k) < l &&
         lambda(l - 1 - static_cast<Eigen::Index>(k)) > largest * 1e-10) {
    ++k;
  }
  // U_k S^-1, largest first.
  Dense scaled(l, static_cast<Eigen::Index>(k));
  for (std::size_t col = 0; col < k; ++col) {
    const Eigen::Index src = l - 1 - static_cast<Eigen::Index>(col);
    scaled.col(static_cast<Eigen::Index>(col)) =
        eig.eigenvectors().col(src) / std::sqrt(lambda(src));
  }
  const Dense v = exact ? Dense(x.transpose() * scaled) : Dense(bt * scaled);  // m x k
  model->k_ = k;
  model->basis_.resize(m * k);
  for (std::size_t j = 0; j < m; ++j) {
    for (std::size_t col = 0; col < k; ++col) {
      model->basis_[j * k + col] =
          static_cast<float>(v(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(col)));
    }
  }
  model->finish();
  return model;
}

void LsaModel::finish() {
  index_.clear();
  index_.reserve(words_.size());
  for (std::size_t j = 0; j < words_.size(); ++j) {
    index_.emplace(words_[j], static_cast<std::uint32_t>(j));
  }
  const std::string bytes = serialize();
  const std::uint64_t sum = checksum(std::string_view(bytes).substr(0, bytes.size() - 8));
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(sum));
  id_ = std::string(kLsaModelPrefix) + std::to_string(k_) + "-v1-" + std::string(hex, 12);
}

std::vector<float> LsaModel::embed(const std::vector<Token>& tokens) const {
  return fold_in(word_counts(tokens));
}

std::vector<float> LsaModel::embed_text(std::string_view text) const {
  return fold_in(word_counts(text));
}

std::string LsaModel::article_text(std::string_view title, std::string_view headings,
                                   std::string_view text) {
  std::string s;
  s.reserve(2 * title.size() + headings.size() + text.size() + 3);
  s.append(title).append("\n").append(title).append("\n");
  s.append(headings).append("\n").append(text);
  return s;
}

std::vector<float> LsaModel::embed_article(std::string_view title, std::string_view headings,
                                           std::string_view text) const {
  return embed_text(article_text(title, headings, text));
}

std::vector<float> LsaModel::fold_in(
    const std::unordered_map<std::string, std::uint32_t>& counts) const {
  std::vector<double> sum(k_, 0.0);
  for (const auto& [word, count] : counts) {
    auto it = index_.find(word);
    if (it == index_.end()) {
      continue;
    }
    const double w = (1.0 + std::log(static_cast<double>(count))) * idf_[it->second];
    const float* row = &basis_[static_cast<std::size_t>(it->second) * k_];
    for (std::size_t c = 0; c < k_; ++c) {
      sum[c] += w * row[c];
    }
  }
  double norm = 0;
  for (double v : sum) {
    norm += v * v;
  }
  std::vector<float> out(k_, 0.0F);
  if (norm > 0) {
    norm = std::sqrt(norm);
    for (std::size_t c = 0; c < k_; ++c) {
      out[c] = static_cast<float>(sum[c] / norm);
    }
  }
  return out;
}

std::string LsaModel::serialize() const {
  std::string out(kMagic);
  put_u32(out, kFormatVersion);
  put_u32(out, static_cast<std::uint32_t>(k_));
  put_u32(out, static_cast<std::uint32_t>(words_.size()));
  for (const std::string& w : words_) {
    put_u32(out, static_cast<std::uint32_t>(w.size()));
    out += w;
  }
  for (float f : idf_) {
    put_u32(out, std::bit_cast<std::uint32_t>(f));
  }
  for (float f : basis_) {
    put_u32(out, std::bit_cast<std::uint32_t>(f));
  }
  const std::uint64_t sum = checksum(out);
  put_u32(out, static_cast<std::uint32_t>(sum));
  put_u32(out, static_cast<std::uint32_t>(sum >> 32));
  return out;
}

std::unique_ptr<LsaModel> LsaModel::deserialize(std::string_view bytes) {
  if (!bytes.starts_with(kMagic)) {
    throw std::invalid_argument("not a knot LSA model");
  }
  if (bytes.size() < kMagic.size() + 8) {
    throw std::invalid_argument("LSA model: truncated");
  }
  Reader tail(bytes.substr(bytes.size() - 8));
  const std::uint64_t stored = tail.u32() | (std::uint64_t{tail.u32()} << 32);
  if (stored != checksum(bytes.substr(0, bytes.size() - 8))) {
    throw std::invalid_argument("LSA model: damaged (checksum mismatch)");
  }
  Reader r(bytes.substr(kMagic.size(), bytes.size() - kMagic.size() - 8));
  if (const std::uint32_t version = r.u32(); version != kFormatVersion) {
    throw std::invalid_argument("LSA model: format version " + std::to_string(version) +
                                " (this build reads " + std::to_string(kFormatVersion) + ")");
  }
  std::unique_ptr<LsaModel> model(new LsaModel());
  model->k_ = r.u32();
  const std::uint32_t m = r.u32();
  if (model->k_ == 0 || m == 0 || std::uint64_t{m} * (model->k_ + 1) * 4 > r.left()) {
    throw std::invalid_argument("LSA model: inconsistent sizes");
  }
  model->words_.reserve(m);
  for (std::uint32_t j = 0; j < m; ++j) {
    model->words_.emplace_back(r.bytes(r.u32()));
  }
  auto read_floats = [&](std::vector<float>& v, std::size_t count) {
    v.resize(count);
    for (float& f : v) {
      f = std::bit_cast<float>(r.u32());
    }
  };
  read_floats(model->idf_, m);
  read_floats(model->basis_, std::size_t{m} * model->k_);
  if (r.left() != 0) {
    throw std::invalid_argument("LSA model: trailing bytes");
  }
  model->finish();
  return model;
}

}  // namespace knot::text
