// Bucketing threads by stack (aggregate.h). Each thread's stack becomes a
// key string at the chosen level; threads with equal keys share a bucket.

#include "knot/view/aggregate.h"

#include <algorithm>
#include <unordered_map>

#include "text_format.h"

namespace knot::view {

namespace {

using knot::report::Frame;
using knot::report::Thread;

// Separators that cannot be confused with text: a frame's fields are
// joined by \x1f (unit separator), frames by \x1e (record separator).
constexpr char kField = '\x1f';
constexpr char kRecord = '\x1e';

// append_identity() appends what identifies `frame` at the level of
// functions: where it is (module) and what it is (function, or the offset
// when unsymbolized).
void append_identity(std::string& key, const Frame& frame) {
  key += frame.module;
  key += kField;
  if (frame.function.empty()) {
    key += std::to_string(frame.offset);
  } else {
    key += frame.function;
  }
}

// append_exact() appends the identity of `frame` with its file and line.
void append_exact(std::string& key, const Frame& frame) {
  append_identity(key, frame);
  key += kField;
  key += frame.file;
  key += kField;
  key += std::to_string(frame.line);
  key += kRecord;
}

std::string stack_key(const std::vector<Frame>& stack, Similarity level) {
  std::string key;
  switch (level) {
    case Similarity::kSameUserFrames: {
      for (const Frame& frame : stack) {
        if (detail::classify_frame(frame) == detail::FrameClass::kUser)
          append_exact(key, frame);
      }
      if (key.empty() && !stack.empty()) {
        // No user frame: the whole stack, marked apart from user frames.
        key += kRecord;
        for (const Frame& frame : stack)
          append_exact(key, frame);
      }
      break;
    }
    case Similarity::kExact:
      for (const Frame& frame : stack)
        append_exact(key, frame);
      break;
    case Similarity::kSameFunctions:
      for (const Frame& frame : stack) {
        append_identity(key, frame);
        key += kRecord;
      }
      break;
    case Similarity::kSameTopFrame: {
      const auto top = std::find_if(stack.begin(), stack.end(),
                                    [](const Frame& f) { return !detail::is_knot_frame(f); });
      if (top != stack.end()) {
        append_identity(key, *top);
      } else if (!stack.empty()) {
        append_identity(key, stack.front());
      }
      break;
    }
  }
  return key;
}

void add_state(Bucket& bucket, const std::string& state) {
  if (std::find(bucket.states.begin(), bucket.states.end(), state) == bucket.states.end())
    bucket.states.push_back(state);
}

}  // namespace

std::optional<Similarity> parse_similarity(std::string_view name) {
  if (name == "user")
    return Similarity::kSameUserFrames;
  if (name == "exact")
    return Similarity::kExact;
  if (name == "functions")
    return Similarity::kSameFunctions;
  if (name == "top")
    return Similarity::kSameTopFrame;
  return std::nullopt;
}

std::string_view similarity_name(Similarity level) {
  switch (level) {
    case Similarity::kSameUserFrames:
      return "user";
    case Similarity::kExact:
      return "exact";
    case Similarity::kSameFunctions:
      return "functions";
    case Similarity::kSameTopFrame:
      return "top";
  }
  return "user";
}

std::vector<Bucket> aggregate(const std::vector<Thread>& threads, Similarity level) {
  std::vector<Bucket> buckets;
  std::unordered_map<std::string, std::size_t> bucket_of_key;
  for (std::size_t i = 0; i < threads.size(); ++i) {
    const Thread& thread = threads[i];
    auto [it, is_new] = bucket_of_key.try_emplace(stack_key(thread.stack, level), buckets.size());
    if (is_new) {
      buckets.emplace_back();
      buckets.back().stack = thread.stack;
    }
    Bucket& bucket = buckets[it->second];
    bucket.threads.push_back(i);
    add_state(bucket, thread.state);
    if (thread.wait) {
      const double seconds = thread.wait->seconds;
      bucket.min_wait_seconds = std::min(bucket.min_wait_seconds.value_or(seconds), seconds);
      bucket.max_wait_seconds = std::max(bucket.max_wait_seconds.value_or(seconds), seconds);
    }
  }
  // Buckets were created in order of their first thread: a stable sort by
  // size keeps that order among equals.
  std::stable_sort(buckets.begin(), buckets.end(), [](const Bucket& a, const Bucket& b) {
    return a.threads.size() > b.threads.size();
  });
  return buckets;
}

}  // namespace knot::view
