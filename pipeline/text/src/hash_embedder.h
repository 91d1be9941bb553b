// hash_embedder.h: HashEmbedder, the model "knot-hash-384-v1" behind
// make_default_embedder(). The model is described in
// include/knot/text/embedder.h and docs/pipeline-text.md.
//
// Cost: O(t log t) for t tokens (features are sorted to count term
// frequencies) plus 384 multiply-adds per distinct feature; one allocation
// for the feature list and one for the result, none per feature. No state:
// embed() is const and touches only its arguments and locals.
#pragma once

#include "knot/text/embedder.h"

namespace knot::text::detail {

class HashEmbedder final : public Embedder {
 public:
  std::string model_id() const override;
  std::size_t dimensions() const override;
  std::vector<float> embed(const std::vector<Token>& tokens) const override;
};

}  // namespace knot::text::detail
