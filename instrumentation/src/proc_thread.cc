// proc_thread() (proc_thread.h).

#include "proc_thread.h"

#include <fstream>
#include <sstream>

namespace knot::instr {

std::optional<ProcThread> proc_thread(std::int64_t tid) {
  if (tid <= 0)
    return std::nullopt;
  const std::string dir = "/proc/self/task/" + std::to_string(tid);
  std::ifstream stat(dir + "/stat");
  std::string line;
  if (!std::getline(stat, line))
    return std::nullopt;
  // "tid (comm) S ...": the name may hold spaces and parentheses; the state
  // follows the last ')'.
  const std::size_t paren = line.rfind(')');
  if (paren == std::string::npos || paren + 2 >= line.size())
    return std::nullopt;
  ProcThread out;
  out.state = line[paren + 2];
  std::ifstream wchan(dir + "/wchan");
  std::string symbol;
  if (std::getline(wchan, symbol) && symbol != "0")
    out.wchan = symbol;
  return out;
}

}  // namespace knot::instr
