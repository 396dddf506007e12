// The pure rules of the audit trail's hash chains (SPEC §1): how a record is
// made and linked, which partition holds a writer's chain, where a restarted
// writer resumes, and how a chain is verified. No Kafka here: KafkaTrail
// (kafka_trail.h) and `fruitctl audit` apply these to what they read.
#ifndef FRUITION_SERVICES_COMMON_AUDIT_CHAIN_H_
#define FRUITION_SERVICES_COMMON_AUDIT_CHAIN_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "protos/fruition/v1/audit.pb.h"
#include "services/common/audit/trail.h"

namespace fruition::audit {

// Lowercase hex SHA-256 of a record's Kafka value bytes: what the next
// record's prev_sha256 holds.
std::string Digest(std::string_view value);

// The partition of `partitions` that holds `writer`'s chain: a stable hash
// (FNV-1a 64 of the name, the same on every platform and build) modulo the
// count. One writer's records thus stay in one partition, in seq order.
int32_t PartitionFor(std::string_view writer, int32_t partitions);

// The record `entry` becomes as number `seq` of `writer`'s chain.
fruition::v1::AuditRecord MakeRecord(const Entry& entry,
                                     std::string_view writer, uint64_t seq,
                                     std::string_view prev_sha256,
                                     absl::Time at);

// The record's bytes on the topic: deterministic serialization, so the same
// record always has the same digest.
std::string Serialize(const fruition::v1::AuditRecord& record);

// One record as read from the topic.
struct Stored {
  int32_t partition = -1;
  int64_t offset = -1;
  std::string value;
};

// Where a writer continues: the seq after its last record and that record's
// digest.
struct ChainHead {
  uint64_t next_seq = 1;
  std::string prev_sha256;  // "" when the writer has no record yet
};

// The head of `writer`'s chain in `records` (in offset order): after its
// record with the highest seq; nullopt when none is the writer's. Records
// that do not parse are not the writer's.
std::optional<ChainHead> HeadOf(std::string_view writer,
                                const std::vector<Stored>& records);

// What `fruitctl audit verify` found.
struct Verdict {
  int writers = 0;
  int64_t records = 0;
  // One line per break, by writer then seq: "writer W: seq N missing",
  // "writer W: seq N: prev_sha256 does not match seq N-1", "writer W: seq N
  // out of order at partition P offset O", ...
  std::vector<std::string> breaks;
};

// Checks every writer's chain in `records` (each partition in offset order):
// seqs 1..n each present once, in increasing order by (partition, offset);
// seq 1 has an empty prev_sha256 and every later seq the digest of the one
// before. A record that does not parse is a break too.
Verdict Verify(const std::vector<Stored>& records);

}  // namespace fruition::audit

#endif  // FRUITION_SERVICES_COMMON_AUDIT_CHAIN_H_
