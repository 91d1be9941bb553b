// content_hash(): the fingerprint knot-embed uses to notice that a file or
// an extracted text changed.
//
// 64-bit FNV-1a over the bytes, printed as 16 lowercase hex digits. A change
// detector, not a cryptographic hash: it is stored next to what it hashes
// and only ever compared for equality.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace knot::pipeline {

// content_hash() of `bytes`: 16 hex digits. Pure; any thread.
std::string content_hash(std::string_view bytes);

// content_hash() of `parts` as one text, a 0x1F byte between each two:
// the value of content_hash() of that text, without building it.
std::string content_hash(std::initializer_list<std::string_view> parts);

}  // namespace knot::pipeline
