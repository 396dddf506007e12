// CPU and memory sampling from /proc for the bench drivers: this process
// (getrusage), a service or the broker (/proc/<pid>/stat, whole thread
// group, clock-tick resolution), each thread of a service, and the whole
// machine (/proc/stat), so a phase's CPU can be split between the bench,
// the service, the broker and everything else.
#ifndef FRUITION_BENCH_COMMON_CPU_H_
#define FRUITION_BENCH_COMMON_CPU_H_

#include <sys/types.h>

#include <chrono>
#include <initializer_list>
#include <string>
#include <vector>

namespace fruition::bench {

using Clock = std::chrono::steady_clock;

// CPU time (user + system) of a process, or of one of its threads with
// `task` (a tid), µs; -1 if unknown (pid <= 0, or no such process).
double ProcessCpuUs(pid_t pid, const std::string& task = "");
// This process's CPU time, µs.
double SelfCpuUs();
// Busy CPU time of the whole machine (all CPUs), µs; -1 if unknown.
double MachineBusyUs();
// VmHWM (peak RSS) of a process, MiB; -1 if unknown.
double PeakRssMb(pid_t pid);

// One thread of a process: its CPU time and how long it waited, runnable,
// for a CPU (/proc/<pid>/task/<tid>/schedstat), µs.
struct ThreadCpu {
  pid_t tid = 0;
  std::string name;
  double us = 0;
  double runqueue_us = 0;
};
// Every thread of `pid`, most CPU first.
std::vector<ThreadCpu> ThreadsCpu(pid_t pid);

// The clocks at one moment: wall, this process, the service and the broker
// (-1: not measured) and the machine.
struct Snapshot {
  Clock::time_point wall;
  double self_us = 0, service_us = -1, broker_us = -1, machine_us = -1;
};
Snapshot Take(pid_t service, pid_t broker);

// Seconds from `a` to `b`.
double Seconds(const Snapshot& a, const Snapshot& b);
// b - a of two CPU readings, or -1 if either is unknown.
double Delta(double a, double b);
// CPU the machine spent from `a` to `b` beyond `known` (the processes
// measured; unknown ones, < 0, count as 0), µs; -1 if the machine's clock
// is unknown.
double OtherUs(const Snapshot& a, const Snapshot& b,
               std::initializer_list<double> known);

}  // namespace fruition::bench

#endif  // FRUITION_BENCH_COMMON_CPU_H_
