// KvStore and KvTx on a real RocksDB: offsets in table 0, reads through the
// uncommitted batch, scans, commits.
#include "services/common/store/kv.h"

#include <filesystem>
#include <map>

#include "fruition/internal/scoring.pb.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "rocksdb/table.h"
#include "rocksdb/write_buffer_manager.h"
#include "services/common/store/proto_table.h"
#include "services/common/store/test_util.h"

namespace fruition::store {
namespace {

std::unique_ptr<KvStore> Open(const std::string& name,
                              const StoreOptions& options = {}) {
  const std::string dir = ::testing::TempDir() + "/kv-" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto store = KvStore::Open(dir, {"things", "more"}, options);
  EXPECT_TRUE(store.ok()) << store.status();
  return std::move(*store);
}

TEST(KvTest, OffsetsOfEveryPartitionRoundTrip) {
  auto store = Open("offsets");
  // Partitions whose big-endian bytes hold '\0' (all of these) and 0xff.
  const std::map<int32_t, int64_t> want = {
      {0, 5}, {1, 0}, {3, 7}, {255, 1}, {256, 1LL << 40}, {65537, 9}};
  {
    KvTx tx(store.get());
    for (const auto& [p, n] : want) tx.SetNextOffset("topic.a", p, n);
    tx.SetNextOffset("topic.ab", 1, 99);  // a longer name, same prefix
    // Read through the batch before the commit.
    EXPECT_EQ(*tx.NextOffset("topic.a", 3), 7);
    ASSERT_TRUE(store->Commit(tx).ok());
  }
  KvTx tx(store.get());
  std::map<int32_t, int64_t> got;
  const auto offsets = tx.Offsets("topic.a");
  ASSERT_TRUE(offsets.ok()) << offsets.status();
  for (const auto& [p, n] : *offsets) got[p] = n;
  EXPECT_EQ(got, want);
  EXPECT_EQ(tx.Offsets("topic.ab")->size(), 1u);
  EXPECT_EQ(*tx.NextOffset("topic.a", 256), 1LL << 40);
  EXPECT_FALSE(tx.NextOffset("topic.a", 2)->has_value());
  EXPECT_TRUE(tx.Offsets("topic")->empty());
}

TEST(KvTest, ScanPrefixAfterLimitAndDeletes) {
  auto store = Open("scan");
  {
    KvTx tx(store.get());
    for (const char* k : {"a\x01", "a\x02", "a\x03", "b\x01"}) {
      tx.Put(1, k, "v");
    }
    ASSERT_TRUE(store->Commit(tx).ok());
  }
  KvTx tx(store.get());
  tx.Delete(1, "a\x02");
  tx.Put(1, "a\x04", "w");
  auto all = *tx.Scan(1, "a");
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].first, "a\x01");
  EXPECT_EQ(all[2].first, "a\x04");
  auto after = *tx.Scan(1, "a", "a\x01", 1);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].first, "a\x03");
  // An `after` that sorts before the prefix starts the scan at the prefix
  // (not at `after`, whose next key lies outside it); one past it, nothing.
  auto from_start = *tx.Scan(1, "b", "a\x01");
  ASSERT_EQ(from_start.size(), 1u);
  EXPECT_EQ(from_start[0].first, "b\x01");
  EXPECT_TRUE(tx.Scan(1, "a", "b")->empty());
  EXPECT_FALSE(tx.empty());
}

TEST(KvTest, ReadErrorsAreErrorsNotAbsence) {
  auto store = Open("fault");
  {
    KvTx tx(store.get());
    tx.Put(1, "k", "v");
    tx.SetNextOffset("t", 0, 3);
    ASSERT_TRUE(store->Commit(tx).ok());
  }
  store->SetReadFault([](int table, std::string_view key) {
    (void)key;
    return table == 1 ? absl::UnavailableError("disk gone") : absl::OkStatus();
  });
  KvTx tx(store.get());
  EXPECT_EQ(tx.Get(1, "k").status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(tx.Get(1, "absent").status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(tx.Scan(1, "").status().code(), absl::StatusCode::kUnavailable);
  // Table 0 (offsets) is not faulted here.
  EXPECT_EQ(*tx.NextOffset("t", 0), 3);
  store->SetReadFault(nullptr);
  EXPECT_EQ(**tx.Get(1, "k"), "v");
}

TEST(KvTest, AFailedCommitWritesNothingAndKeepsTheBatch) {
  auto store = Open("write-fault");
  store->SetWriteFault([] { return absl::UnavailableError("disk full"); });
  KvTx tx(store.get());
  tx.Put(1, "k", "v");
  tx.SetNextOffset("t", 0, 3);
  EXPECT_EQ(store->Commit(tx).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(store->PutNow(1, "now", "v").code(),
            absl::StatusCode::kUnavailable);
  store->SetWriteFault(nullptr);
  {
    KvTx fresh(store.get());
    EXPECT_FALSE(fresh.Get(1, "k")->has_value());
    EXPECT_FALSE(fresh.Get(1, "now")->has_value());
    EXPECT_FALSE(fresh.NextOffset("t", 0)->has_value());
  }
  // The batch is still whole: committing it again lands all of it.
  ASSERT_TRUE(store->Commit(tx).ok());
  KvTx after(store.get());
  EXPECT_EQ(**after.Get(1, "k"), "v");
  EXPECT_EQ(**after.NextOffset("t", 0), 3);
}

TEST(KvTest, UnparseableStoredBytesAreDataLossNamingTableAndKey) {
  auto store = Open("dataloss");
  {
    KvTx tx(store.get());
    // A protobuf tag with a truncated length-delimited field.
    tx.Put(1, JoinKey({"pid", "x"}),
           std::string("\x0a\x05"
                       "ab",
                       4));
    tx.Put(0, JoinKey({"t", BigEndian(1, 4)}), "short");
    ASSERT_TRUE(store->Commit(tx).ok());
  }
  KvTx tx(store.get());
  auto state = GetProto<internal::SubjectState>(tx, 1, JoinKey({"pid", "x"}));
  ASSERT_EQ(state.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(state.status().message().find("'things'"), std::string::npos)
      << state.status();
  EXPECT_NE(state.status().message().find("pid\\x00x"), std::string::npos)
      << state.status();
  EXPECT_EQ(ScanProto<internal::SubjectState>(tx, 1, "").status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_FALSE(GetProto<internal::SubjectState>(tx, 1, "none")->has_value());
  EXPECT_EQ(tx.NextOffset("t", 1).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(tx.Offsets("t").status().code(), absl::StatusCode::kDataLoss);
}

// The table options of `table` as RocksDB applied them.
const rocksdb::BlockBasedTableOptions* TableOptions(const KvStore& store,
                                                    int table) {
  const rocksdb::Options o = store.db()->GetOptions(store.cf(table));
  return o.table_factory->GetOptions<rocksdb::BlockBasedTableOptions>();
}

TEST(KvTest, EveryTableHasABloomFilterAndTheSharedCache) {
  const StoreOptions options{16, 8, 1};
  auto a = Open("shared-a", options);
  auto b = Open("shared-b", options);
  const rocksdb::BlockBasedTableOptions* first = TableOptions(*a, 0);
  ASSERT_NE(first, nullptr);
  for (int table = 0; table <= 2; ++table) {
    for (KvStore* store : {a.get(), b.get()}) {
      const rocksdb::BlockBasedTableOptions* t = TableOptions(*store, table);
      ASSERT_NE(t, nullptr);
      ASSERT_NE(t->filter_policy, nullptr) << "table " << table;
      EXPECT_TRUE(t->whole_key_filtering);
      EXPECT_TRUE(t->cache_index_and_filter_blocks);
      // One cache for every table of every store, of the size asked for.
      EXPECT_EQ(t->block_cache.get(), first->block_cache.get());
    }
  }
  EXPECT_EQ(first->block_cache->GetCapacity(), 16u << 20);
  const rocksdb::DBOptions db = a->db()->GetDBOptions();
  ASSERT_NE(db.write_buffer_manager, nullptr);
  EXPECT_EQ(db.write_buffer_manager->buffer_size(), 8u << 20);
  EXPECT_EQ(db.write_buffer_manager.get(),
            b->db()->GetDBOptions().write_buffer_manager.get());
  EXPECT_EQ(db.max_background_jobs, 1);
}

TEST(KvTest, StoreOptionsOutOfRangeNameTheirField) {
  EXPECT_TRUE(ValidateStoreOptions(StoreOptions{}).ok());
  const auto cache = ValidateStoreOptions(StoreOptions{4, 64, 2});
  EXPECT_EQ(cache.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(cache.message().find("store-block-cache-mb"), std::string::npos);
  EXPECT_NE(ValidateStoreOptions(StoreOptions{64, 0, 2})
                .message()
                .find("store-write-buffer-mb"),
            std::string::npos);
  EXPECT_NE(ValidateStoreOptions(StoreOptions{64, 64, 0})
                .message()
                .find("store-background-jobs"),
            std::string::npos);
  const std::string dir = ::testing::TempDir() + "/kv-invalid";
  EXPECT_EQ(KvStore::Open(dir, {}, StoreOptions{64, 64, 0}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(KvTest, RollbackToSavePointForgetsOnlyTheWritesAfterIt) {
  auto store = Open("savepoint");
  KvTx tx(store.get());
  tx.Put(1, "a", "1");
  tx.SetSavePoint();
  tx.Put(1, "a", "2");  // overwrites a write before the mark
  tx.Put(1, "b", "2");
  tx.SetSavePoint();
  tx.Put(1, "c", "3");
  tx.PopSavePoint();  // "c" is kept, and belongs to the outer mark now
  tx.RollbackToSavePoint();
  EXPECT_EQ(*store::Ok(tx.Get(1, "a")), "1");
  EXPECT_FALSE(store::Ok(tx.Get(1, "b")).has_value());
  EXPECT_FALSE(store::Ok(tx.Get(1, "c")).has_value());
  EXPECT_FALSE(tx.empty());
  tx.SetSavePoint();
  tx.Put(1, "d", "4");
  tx.RollbackToSavePoint();
  ASSERT_TRUE(store->Commit(tx).ok());
  KvTx read(store.get());
  EXPECT_EQ(*store::Ok(read.Get(1, "a")), "1");
  EXPECT_FALSE(store::Ok(read.Get(1, "d")).has_value());
  // Nothing written after the only write is rolled back: empty again.
  KvTx none(store.get());
  none.SetSavePoint();
  none.Put(1, "e", "5");
  none.RollbackToSavePoint();
  EXPECT_TRUE(none.empty());
}

TEST(KvTest, JoinAndSplitKeys) {
  EXPECT_EQ(SplitKey(JoinKey({"x", "", "yz"})),
            (std::vector<std::string>{"x", "", "yz"}));
  EXPECT_EQ(FromBigEndian(BigEndian(0x01020304, 4)), 0x01020304u);
  EXPECT_LT(BigEndian(255, 8), BigEndian(256, 8));
}

}  // namespace
}  // namespace fruition::store
