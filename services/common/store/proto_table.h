// Typed reads of protobuf values from KvTx tables (issue 13: a typed,
// status-checked store). A value whose bytes do not parse is DATA_LOSS
// naming the table and key: never "absent", never an empty message that a
// caller would then write back over the damaged one.
#ifndef FRUITION_SERVICES_COMMON_STORE_PROTO_TABLE_H_
#define FRUITION_SERVICES_COMMON_STORE_PROTO_TABLE_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/store/kv.h"
#include "services/common/strings.h"

namespace fruition::store {

// `bytes`, read from `key` of `table`, parsed as an M.
template <typename M>
absl::StatusOr<M> ParseStored(const KvTx& tx, int table, std::string_view key,
                              const std::string& bytes) {
  M m;
  if (!m.ParseFromString(bytes)) {
    return DataLoss(*tx.store(), table, key, StrCat("a ", m.GetTypeName()));
  }
  return m;
}

// The M stored at `key`; nullopt if absent.
template <typename M>
absl::StatusOr<std::optional<M>> GetProto(const KvTx& tx, int table,
                                          std::string_view key) {
  auto bytes = tx.Get(table, key);
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) return std::optional<M>();
  auto m = ParseStored<M>(tx, table, key, **bytes);
  if (!m.ok()) return m.status();
  return std::optional<M>(*std::move(m));
}

// The M stored at `key`, or an empty M if absent (state that starts empty).
template <typename M>
absl::StatusOr<M> GetProtoOrEmpty(const KvTx& tx, int table,
                                  std::string_view key) {
  auto m = GetProto<M>(tx, table, key);
  if (!m.ok()) return m.status();
  return m->has_value() ? **std::move(m) : M();
}

// Scan() with every value parsed as an M: (key, M) in key order.
template <typename M>
absl::StatusOr<std::vector<std::pair<std::string, M>>> ScanProto(
    const KvTx& tx, int table, std::string_view prefix,
    std::string_view after = {}, size_t limit = 0) {
  auto rows = tx.Scan(table, prefix, after, limit);
  if (!rows.ok()) return rows.status();
  std::vector<std::pair<std::string, M>> out;
  out.reserve(rows->size());
  for (auto& [k, v] : *rows) {
    auto m = ParseStored<M>(tx, table, k, v);
    if (!m.ok()) return m.status();
    out.emplace_back(std::move(k), *std::move(m));
  }
  return out;
}

}  // namespace fruition::store

#endif  // FRUITION_SERVICES_COMMON_STORE_PROTO_TABLE_H_
