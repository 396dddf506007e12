#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "bench/common/child.h"
#include "bench/common/cpu.h"
#include "bench/common/flags.h"
#include "bench/common/summary.h"
#include "gtest/gtest.h"

namespace fruition::bench {
namespace {

TEST(SummaryTest, LineHasEightFieldsAndNoSeparatorInside) {
  Summary s{"e2e", "reports/s a|b", "5000", "", "", "aim\nline", "no"};
  EXPECT_EQ(SummaryLine(s), "SUMMARY|e2e|reports/s a/b|5000|—|—|aim line|no");
}

TEST(SummaryTest, QuantileIsTheNearestRank) {
  std::vector<int64_t> v;
  for (int i = 1; i <= 1000; ++i) v.push_back(i);
  EXPECT_EQ(Quantile(v, 0.5), 500);
  EXPECT_EQ(Quantile(v, 0.99), 990);
  EXPECT_EQ(Quantile(v, 0.999), 999);
  EXPECT_EQ(Quantile(v, 1.0), 1000);
  EXPECT_EQ(Quantile({7}, 0.999), 7);
  EXPECT_EQ(Quantile({}, 0.5), 0);
}

TEST(FlagsTest, ParsesValuesSwitchesAndTheCommandAfterDashes) {
  std::string target;
  int reports = 7;
  bool produce = false;
  pid_t pid = 0;
  std::vector<std::string> command;
  Flags flags("usage\n");
  flags.String("--target", &target);
  flags.Int("--reports", &reports, 1);
  flags.Switch("--produce", &produce);
  flags.Pid("--broker-pid", &pid);
  const char* argv[] = {"bench",        "--target=h:1", "--reports", "42",
                        "--produce",    "--broker-pid", "9",         "--",
                        "/bin/service", "--flag"};
  flags.Parse(10, const_cast<char**>(argv), &command);
  EXPECT_EQ(target, "h:1");
  EXPECT_EQ(reports, 42);
  EXPECT_TRUE(produce);
  EXPECT_EQ(pid, 9);
  EXPECT_EQ(command, (std::vector<std::string>{"/bin/service", "--flag"}));
}

TEST(FlagsDeathTest, RejectsUnknownFlagsAndBadNumbers) {
  SetProgram("x_bench");
  int n = 0;
  Flags flags("usage\n");
  flags.Int("--n", &n, 1);
  const char* unknown[] = {"bench", "--m", "1"};
  EXPECT_EXIT(flags.Parse(3, const_cast<char**>(unknown)),
              ::testing::ExitedWithCode(1), "x_bench: unknown flag --m");
  const char* zero[] = {"bench", "--n", "0"};
  EXPECT_EXIT(flags.Parse(3, const_cast<char**>(zero)),
              ::testing::ExitedWithCode(1), "is not a number >= 1");
}

TEST(FlagsTest, SplitDropsEmptyItemsAndFixedRounds) {
  EXPECT_EQ(Split("a,,b,", ','), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Fixed(2.345, 1), "2.3");
  EXPECT_EQ(RandomHex(10).size(), 10u);
}

TEST(CpuTest, MeasuresThisProcessAndItsThreads) {
  volatile double sink = 0;
  for (int i = 0; i < 20000000; ++i) sink = sink + i;
  EXPECT_GT(ProcessCpuUs(getpid()), 0);
  EXPECT_EQ(ProcessCpuUs(0), -1);
  EXPECT_GT(SelfCpuUs(), 0);
  EXPECT_GT(MachineBusyUs(), 0);
  EXPECT_GT(PeakRssMb(getpid()), 0);
  const std::vector<ThreadCpu> threads = ThreadsCpu(getpid());
  ASSERT_FALSE(threads.empty());
  EXPECT_EQ(threads.front().tid, getpid());  // the only busy thread
  EXPECT_GT(threads.front().us, 0);
}

TEST(CpuTest, OtherUsSubtractsWhatIsKnownAndNeverGoesNegative) {
  Snapshot a, b;
  a.machine_us = 1000;
  b.machine_us = 1600;
  EXPECT_EQ(OtherUs(a, b, {100, -1, 200}), 300);
  EXPECT_EQ(OtherUs(a, b, {1000}), 0);
  b.machine_us = -1;
  EXPECT_EQ(OtherUs(a, b, {}), -1);
  EXPECT_EQ(Delta(-1, 5), -1);
  EXPECT_EQ(Delta(2, 5), 3);
}

TEST(ChildTest, RunsStopsAndReportsHowItEnded) {
  const std::string log = ::testing::TempDir() + "/child.log";
  Child quick({"/bin/sh", "-c", "echo hello; exit 3"}, log);
  std::string why;
  for (int k = 0; k < 100 && quick.Running(&why); ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(why, "exited with status 3");
  Child slow({"/bin/sleep", "30"}, log, /*stopped=*/true);
  slow.Continue();
  EXPECT_TRUE(slow.Running(&why));
  slow.Stop();
  EXPECT_FALSE(slow.Running(&why));
}

}  // namespace
}  // namespace fruition::bench
