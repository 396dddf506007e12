#include "services/common/audit/chain.h"

#include <algorithm>
#include <map>
#include <utility>

#include "services/common/privacy/pseudonymizer.h"
#include "services/common/proto.h"
#include "services/common/strings.h"

namespace fruition::audit {

std::string Digest(std::string_view value) { return privacy::Sha256Hex(value); }

int32_t PartitionFor(std::string_view writer, int32_t partitions) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a 64 offset basis
  for (unsigned char c : writer) {
    h ^= c;
    h *= 0x100000001b3ULL;  // FNV-1a 64 prime
  }
  return partitions <= 0 ? 0 : static_cast<int32_t>(h % partitions);
}

fruition::v1::AuditRecord MakeRecord(const Entry& entry,
                                     std::string_view writer, uint64_t seq,
                                     std::string_view prev_sha256,
                                     absl::Time at) {
  fruition::v1::AuditRecord r;
  r.set_seq(seq);
  r.set_writer(std::string(writer));
  r.set_principal(entry.principal);
  r.set_action(entry.action);
  for (const std::string& res : entry.resources) r.add_resources(res);
  r.set_outcome(entry.outcome);
  const int64_t seconds = absl::ToUnixSeconds(at);
  r.mutable_at()->set_seconds(seconds);
  r.mutable_at()->set_nanos(static_cast<int32_t>(
      (at - absl::FromUnixSeconds(seconds)) / absl::Nanoseconds(1)));
  r.set_prev_sha256(std::string(prev_sha256));
  return r;
}

std::string Serialize(const fruition::v1::AuditRecord& record) {
  return SerializeDeterministic(record);
}

namespace {

// A record of some writer's chain, as verification needs it.
struct Link {
  uint64_t seq = 0;
  std::string prev_sha256;
  std::string digest;
  int32_t partition = -1;
  int64_t offset = -1;
};

// Parses `value` as an audit record with a writer and a seq (an arbitrary
// byte string may parse as an empty proto: that is not a record).
std::optional<fruition::v1::AuditRecord> Parse(const std::string& value) {
  fruition::v1::AuditRecord r;
  if (!r.ParseFromString(value) || r.writer().empty() || r.seq() == 0) {
    return std::nullopt;
  }
  return r;
}

std::string Where(const Link& l) {
  return StrCat("partition ", l.partition, " offset ", l.offset);
}

// The breaks of one writer's chain, `links` in (partition, offset) order,
// each as (seq, line) so that they can be listed by seq.
std::vector<std::pair<uint64_t, std::string>> ChainBreaks(
    const std::vector<Link>& links) {
  std::vector<std::pair<uint64_t, std::string>> out;
  std::map<uint64_t, const Link*> by_seq;  // first occurrence of each seq
  uint64_t max_seen = 0;
  for (const Link& l : links) {
    if (by_seq.count(l.seq) > 0) {
      out.emplace_back(l.seq, StrCat("seq ", l.seq, " repeated at ", Where(l)));
      continue;
    }
    if (l.seq < max_seen) {
      out.emplace_back(l.seq,
                       StrCat("seq ", l.seq, " out of order at ", Where(l)));
    }
    by_seq[l.seq] = &l;
    max_seen = std::max(max_seen, l.seq);
  }
  uint64_t expected = 1;
  for (const auto& [seq, link] : by_seq) {
    if (seq > expected) {
      out.emplace_back(expected, seq - 1 == expected
                                     ? StrCat("seq ", expected, " missing")
                                     : StrCat("seqs ", expected, " to ",
                                              seq - 1, " missing"));
    }
    expected = seq + 1;
    if (seq == 1) {
      if (!link->prev_sha256.empty()) {
        out.emplace_back(seq, "seq 1: prev_sha256 is not empty");
      }
      continue;
    }
    auto before = by_seq.find(seq - 1);
    if (before != by_seq.end() && link->prev_sha256 != before->second->digest) {
      out.emplace_back(
          seq,
          StrCat("seq ", seq, ": prev_sha256 does not match seq ", seq - 1));
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.first < b.first;
  });
  return out;
}

}  // namespace

std::optional<ChainHead> HeadOf(std::string_view writer,
                                const std::vector<Stored>& records) {
  std::optional<ChainHead> head;
  uint64_t best = 0;
  for (const Stored& s : records) {
    auto r = Parse(s.value);
    if (!r || r->writer() != writer || r->seq() <= best) continue;
    best = r->seq();
    head = ChainHead{best + 1, Digest(s.value)};
  }
  return head;
}

Verdict Verify(const std::vector<Stored>& records) {
  std::vector<const Stored*> ordered;
  ordered.reserve(records.size());
  for (const Stored& s : records) ordered.push_back(&s);
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const Stored* a, const Stored* b) {
                     return std::make_pair(a->partition, a->offset) <
                            std::make_pair(b->partition, b->offset);
                   });
  Verdict verdict;
  std::map<std::string, std::vector<Link>> chains;
  for (const Stored* s : ordered) {
    ++verdict.records;
    auto r = Parse(s->value);
    if (!r) {
      verdict.breaks.push_back(StrCat("partition ", s->partition, " offset ",
                                      s->offset, ": not an audit record"));
      continue;
    }
    chains[r->writer()].push_back(Link{
        r->seq(), r->prev_sha256(), Digest(s->value), s->partition, s->offset});
  }
  verdict.writers = static_cast<int>(chains.size());
  for (const auto& [writer, links] : chains) {
    for (auto& [seq, line] : ChainBreaks(links)) {
      verdict.breaks.push_back(StrCat("writer ", writer, ": ", line));
    }
  }
  return verdict;
}

}  // namespace fruition::audit
