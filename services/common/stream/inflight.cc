#include "services/common/stream/inflight.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "services/common/log/log.h"
#include "services/common/strings.h"

namespace fruition::stream {
namespace {

constexpr char kHeader[] =
    "# what a fruition stream loop is applying, or died applying "
    "(docs/runtime.md, \"Crash records\")\n";

// Writes all of `data` to `fd` from offset 0.
bool WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::pwrite(fd, data.data() + done, data.size() - done,
                               static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

void Extend(const std::vector<kafka::Record>& records, OffsetSpan* span) {
  // Records come in runs of one partition: the last one's entry is reused.
  OffsetSpan::iterator at = span->end();
  for (const kafka::Record& r : records) {
    if (at == span->end() || at->first.second != r.partition ||
        at->first.first != r.topic) {
      at = span->try_emplace({r.topic, r.partition}, r.offset, r.offset).first;
    }
    at->second.first = std::min(at->second.first, r.offset);
    at->second.second = std::max(at->second.second, r.offset);
  }
}

Inflight::Inflight(std::string path, std::string stage, int limit)
    : path_(std::move(path)),
      stage_(std::move(stage)),
      limit_(std::max(1, limit)) {}

Inflight::~Inflight() {
  if (fd_ >= 0) ::close(fd_);
  // Stopped cleanly with nothing suspect: no note left behind. (A process
  // that dies never gets here, and one that never loaded the note must not
  // remove what it did not read.)
  if (loaded_ && !dirty_ && suspects_.empty()) ::unlink(path_.c_str());
}

absl::Status Inflight::Load() {
  if (!enabled()) return absl::OkStatus();
  loaded_ = true;
  auto ranges = Read(path_);
  if (!ranges.ok()) return ranges.status();
  suspects_ = *std::move(ranges);
  dirty_ = false;
  return absl::OkStatus();
}

Inflight::Kind Inflight::Classify(const kafka::Record& r) const {
  Kind kind = Kind::kBatch;
  for (const InflightRange& s : suspects_) {
    if (r.offset < s.first || r.offset > s.last || s.tp.second != r.partition ||
        s.tp.first != r.topic) {
      continue;
    }
    if (s.alone) return s.attempts >= limit_ ? Kind::kCrashed : Kind::kAlone;
    if (s.attempts >= limit_) kind = Kind::kAlone;
  }
  return kind;
}

int Inflight::AloneAttempts(const kafka::Record& r) const {
  for (const InflightRange& s : suspects_) {
    if (s.alone && s.first == r.offset && s.tp.second == r.partition &&
        s.tp.first == r.topic) {
      return s.attempts;
    }
  }
  return 0;
}

void Inflight::Mark(const OffsetSpan& span, bool alone) {
  if (!enabled()) return;
  std::vector<InflightRange> ranges;
  ranges.reserve(span.size() + suspects_.size());
  std::vector<bool> merged(suspects_.size(), false);
  for (const auto& [tp, offsets] : span) {
    InflightRange now{tp, offsets.first, offsets.second, 1, alone};
    for (size_t i = 0; i < suspects_.size(); ++i) {
      const InflightRange& s = suspects_[i];
      // Another attempt of the same kind at records a process died in: one
      // more in a row (nothing of them was committed since, or the range
      // would be gone). A range already applied one record at a time is
      // never in a batch.
      if (s.tp != tp || s.alone != alone || s.last < offsets.first ||
          s.first > offsets.second || (!alone && s.attempts >= limit_)) {
        continue;
      }
      merged[i] = true;
      if (s.attempts + 1 > now.attempts) {
        // Narrowed to where both died: the records in both.
        now.attempts = s.attempts + 1;
        now.first = std::max(offsets.first, s.first);
        now.last = std::min(offsets.second, s.last);
      }
    }
    ranges.push_back(now);
  }
  for (size_t i = 0; i < suspects_.size(); ++i) {
    if (!merged[i]) ranges.push_back(suspects_[i]);
  }
  Write(ranges);
  dirty_ = true;
}

void Inflight::Committed(const OffsetSpan& span) {
  if (!enabled()) return;
  for (auto it = suspects_.begin(); it != suspects_.end();) {
    const auto c = span.find(it->tp);
    const int64_t next = c == span.end() ? -1 : c->second.second + 1;
    if (next <= it->first) {
      ++it;  // nothing of it committed
      continue;
    }
    dirty_ = true;
    if (!it->alone && it->attempts >= limit_ && next <= it->last) {
      // Applied one record at a time up to `next`: the rest still is.
      it->first = next;
      ++it;
      continue;
    }
    // Passed, or progress: the count starts again.
    it = suspects_.erase(it);
  }
  Settle();
}

void Inflight::Settle() {
  if (!enabled() || !dirty_) return;
  Write(suspects_);
  dirty_ = false;
}

void Inflight::Write(const std::vector<InflightRange>& ranges) {
  // No fsync: what this guards against is the process dying, and the page
  // cache outlives the process. A machine that loses power loses the note
  // with it, which costs at most `limit` more crashes before detection.
  //
  // Rewritten in place, one pwrite at offset 0 into a file kept open, not
  // written aside and renamed over the old note: ext4 starts writing back a
  // file renamed over another (auto_da_alloc), about 100 µs a note against
  // 1 to 5 µs. A process dies before or after a write(2), never inside it, and
  // the note ends with an "end" line, so the tail of a longer note before
  // it, left until the ftruncate, is never read.
  const auto failed = [&](std::string_view what) {
    if (write_failed_) return;
    write_failed_ = true;
    log::Warn(
        "crash marker not written: a record that crashes the process is not "
        "detected until it is",
        {{"stage", stage_},
         {"path", path_},
         {"during", what},
         {"error", std::strerror(errno)}});
  };
  std::string text = kHeader;
  text += StrCat("stage ", stage_, "\n");
  for (const InflightRange& r : ranges) {
    text += StrCat("range ", r.tp.first, " ", r.tp.second, " ", r.first, " ",
                   r.last, " ", r.attempts, r.alone ? " alone\n" : " batch\n");
  }
  text += "end\n";
  if (fd_ < 0) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      failed("open");
      return;
    }
    written_ = std::string::npos;  // whatever was there: truncated below
  }
  if (!WriteAll(fd_, text)) {
    failed("write");
    return;
  }
  if (text.size() < written_ &&
      ::ftruncate(fd_, static_cast<off_t>(text.size())) != 0) {
    failed("truncate");
    return;
  }
  written_ = text.size();
  write_failed_ = false;
}

absl::StatusOr<std::vector<InflightRange>> Inflight::Read(
    const std::string& path) {
  std::vector<InflightRange> ranges;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec) && !ec) return ranges;
  std::ifstream in(path);
  if (!in) {
    return absl::UnavailableError(
        StrCat("crash marker ", path,
               " cannot be read: ", ec ? ec.message() : std::strerror(errno)));
  }
  int number = 0;
  bool ended = false;
  for (std::string line; std::getline(in, line);) {
    ++number;
    // What follows is the tail of an older, longer note.
    if (line == "end") {
      ended = true;
      break;
    }
    if (line.empty() || line[0] == '#' || line.rfind("stage ", 0) == 0) {
      continue;
    }
    std::istringstream fields(line);
    std::string word;
    std::string kind;
    InflightRange r;
    if (!(fields >> word >> r.tp.first >> r.tp.second >> r.first >> r.last >>
          r.attempts >> kind) ||
        word != "range" || (kind != "alone" && kind != "batch") ||
        r.first > r.last || r.attempts < 1) {
      return absl::DataLossError(
          StrCat("crash marker ", path, " line ", number, ": '", line,
                 "' is not 'range TOPIC PARTITION FIRST LAST ATTEMPTS "
                 "alone|batch'"));
    }
    r.alone = kind == "alone";
    ranges.push_back(std::move(r));
  }
  // Created, never written (the process died right there): nothing noted.
  if (!ended && number > 0) {
    return absl::DataLossError(
        StrCat("crash marker ", path, " has no 'end' line: cut short"));
  }
  return ranges;
}

}  // namespace fruition::stream
