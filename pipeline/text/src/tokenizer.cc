// tokenizer.cc: tokenize(), the list form of for_each_token()
// (token_stream.h).
#include "knot/text/tokenizer.h"

#include "token_stream.h"

namespace knot::text {

std::vector<Token> tokenize(std::string_view text) {
  std::vector<Token> out;
  out.reserve(text.size() / 3 + 1);
  detail::for_each_token(text, [&out](std::string_view token, bool is_subword) {
    out.push_back(Token{std::string(token), is_subword});
  });
  return out;
}

}  // namespace knot::text
