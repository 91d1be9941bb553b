// content_hash(): the fingerprint knot-embed uses to notice that a file or
// an extracted text changed.
//
// 64-bit FNV-1a over the bytes, printed as 16 lowercase hex digits. A change
// detector, not a cryptographic hash: it is stored next to what it hashes
// and only ever compared for equality.
#pragma once

#include <string>
#include <string_view>

namespace knot::pipeline {

// content_hash() of `bytes`: 16 hex digits. Pure; any thread.
std::string content_hash(std::string_view bytes);

}  // namespace knot::pipeline
