// hash_embedder.h: HashEmbedder, the model "knot-hash-384-v1" behind
// make_default_embedder(). The model is described in
// include/knot/text/embedder.h and docs/pipeline-text.md.
//
// Cost: O(t log t) for t tokens (features are sorted to count term
// frequencies) plus 384 multiply-adds per distinct feature; one allocation
// for the feature table and one for the result, none per feature.
// embed_text() streams the text's tokens (token_stream.h) into a table of
// a quarter entry per byte of text (16 bytes an entry, 1 MiB at least),
// merging equal hashes whenever it fills; a text with more different
// features than fit is read again for each range of hashes that did not
// (embedder.cc). No state: both are const and touch only their arguments
// and locals.
#pragma once

#include "knot/text/embedder.h"

namespace knot::text::detail {

class HashEmbedder final : public Embedder {
 public:
  std::string model_id() const override;
  std::size_t dimensions() const override;
  std::vector<float> embed(const std::vector<Token>& tokens) const override;
  std::vector<float> embed_text(std::string_view text) const override;
};

}  // namespace knot::text::detail
