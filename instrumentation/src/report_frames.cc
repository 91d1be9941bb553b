// Stack frames for reports (report_frames.h).

#include "report_frames.h"

#include <string_view>

namespace knot::instr {

report::Frame to_report_frame(const Frame& f) {
  return {.pc = f.pc,
          .module = f.module,
          .offset = f.offset,
          .build_id = f.build_id,
          .function = f.function,
          .file = f.file,
          .line = f.line,
          .is_knot = f.is_knot,
          .is_inlined = f.is_inlined};
}

std::vector<report::Frame> symbolized(Symbolizer* symbolizer,
                                      const std::vector<std::uintptr_t>& pcs, PcKind first) {
  std::vector<report::Frame> out;
  if (symbolizer == nullptr) {
    for (const std::uintptr_t pc : pcs) {
      report::Frame f;
      f.pc = pc;
      out.push_back(f);
    }
    return out;
  }
  for (const Frame& f : symbolizer->symbolize(pcs, first))
    out.push_back(to_report_frame(f));
  return out;
}

std::optional<report::Frame> site_frame(Symbolizer* symbolizer, std::uintptr_t site) {
  const std::vector<report::Frame> frames = symbolized(symbolizer, {site}, PcKind::kReturnAddress);
  if (frames.empty())
    return std::nullopt;
  for (const report::Frame& f : frames) {
    if (!f.is_knot)
      return f;
  }
  return frames.front();
}

std::string site_name(const report::Frame& f) {
  if (f.function.empty())
    return "";
  // Drop the parameter list (the last balanced parentheses) and a trailing
  // " const": "main::{lambda()#1}::operator()() const" names
  // "main::{lambda()#1}::operator()".
  std::string name = f.function;
  constexpr std::string_view kConst = " const";
  if (name.size() > kConst.size() && name.ends_with(kConst))
    name.resize(name.size() - kConst.size());
  if (!name.empty() && name.back() == ')') {
    int depth = 0;
    for (std::size_t i = name.size(); i-- > 0;) {
      depth += name[i] == ')' ? 1 : name[i] == '(' ? -1 : 0;
      if (depth == 0) {
        if (i > 0)
          name.resize(i);
        break;
      }
    }
  }
  if (f.file.empty())
    return name;
  const auto slash = f.file.find_last_of('/');
  return name + " (" + (slash == std::string::npos ? f.file : f.file.substr(slash + 1)) + ":" +
         std::to_string(f.line) + ")";
}

}  // namespace knot::instr
