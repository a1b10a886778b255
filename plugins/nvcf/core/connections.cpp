#include "connections.h"

namespace nvcf {

uint64_t ConnectionTable::open(int64_t now_us) {
  if (deadlines_.size() >= limits_.max_connections)
    return 0;
  uint64_t id = next_id_++;
  int64_t deadline = 0;
  if (limits_.request_timeout_s)
    deadline = now_us + int64_t(limits_.request_timeout_s) * 1000000;
  deadlines_[id] = deadline;
  return id;
}

void ConnectionTable::request_read(uint64_t id) {
  auto it = deadlines_.find(id);
  if (it != deadlines_.end())
    it->second = 0;
}

void ConnectionTable::closed(uint64_t id) {
  deadlines_.erase(id);
}

std::vector<uint64_t> ConnectionTable::expired(int64_t now_us) {
  std::vector<uint64_t> out;
  for (auto& [id, deadline] : deadlines_) {
    if (deadline != 0 && deadline <= now_us) {
      out.push_back(id);
      deadline = 0;
    }
  }
  return out;
}

std::optional<int64_t> ConnectionTable::next_deadline() const {
  std::optional<int64_t> next;
  for (const auto& [id, deadline] : deadlines_)
    if (deadline != 0 && (!next || deadline < *next))
      next = deadline;
  return next;
}

}  // namespace nvcf
