#include "bench/common/cpu.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

namespace fruition::bench {

namespace {

double TicksToUs(double ticks) {
  return ticks * 1e6 / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
}

}  // namespace

double ProcessCpuUs(pid_t pid, const std::string& task) {
  if (pid <= 0) return -1;
  const std::string stat =
      ReadFile("/proc/" + std::to_string(pid) +
               (task.empty() ? "" : "/task/" + task) + "/stat");
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return -1;
  std::istringstream fields(stat.substr(paren + 2));
  std::string field;
  // Fields after "pid (comm) ": state is field 3; utime 14, stime 15.
  double utime = 0, stime = 0;
  for (int n = 3; n <= 15 && fields >> field; ++n) {
    if (n == 14) utime = std::stod(field);
    if (n == 15) stime = std::stod(field);
  }
  return TicksToUs(utime + stime);
}

double SelfCpuUs() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec * 1e6 + usage.ru_utime.tv_usec +
         usage.ru_stime.tv_sec * 1e6 + usage.ru_stime.tv_usec;
}

double MachineBusyUs() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0,
         softirq = 0, steal = 0;
  in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >>
      steal;
  if (!in || cpu != "cpu") return -1;
  return TicksToUs(user + nice + system + irq + softirq + steal);
}

double PeakRssMb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      return std::strtod(line.c_str() + 6, nullptr) / 1024.0;
    }
  }
  return -1;
}

std::vector<ThreadCpu> ThreadsCpu(pid_t pid) {
  std::vector<ThreadCpu> out;
  std::error_code ec;
  const std::string dir = "/proc/" + std::to_string(pid) + "/task";
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string tid = entry.path().filename();
    ThreadCpu t;
    t.tid = static_cast<pid_t>(std::atoi(tid.c_str()));
    std::ifstream comm(entry.path() / "comm");
    std::getline(comm, t.name);
    t.us = ProcessCpuUs(pid, tid);
    if (t.us < 0) continue;  // ended meanwhile
    // schedstat: on-CPU ns, run-queue wait ns, time slices.
    std::ifstream sched(entry.path() / "schedstat");
    double on_cpu_ns = 0, wait_ns = 0;
    if (sched >> on_cpu_ns >> wait_ns) t.runqueue_us = wait_ns / 1e3;
    out.push_back(std::move(t));
  }
  std::sort(out.begin(), out.end(),
            [](const ThreadCpu& a, const ThreadCpu& b) { return a.us > b.us; });
  return out;
}

Snapshot Take(pid_t service, pid_t broker) {
  return {Clock::now(), SelfCpuUs(), ProcessCpuUs(service),
          ProcessCpuUs(broker), MachineBusyUs()};
}

double Seconds(const Snapshot& a, const Snapshot& b) {
  return std::chrono::duration<double>(b.wall - a.wall).count();
}

double Delta(double a, double b) { return a >= 0 && b >= 0 ? b - a : -1; }

double OtherUs(const Snapshot& a, const Snapshot& b,
               std::initializer_list<double> known) {
  if (a.machine_us < 0 || b.machine_us < 0) return -1;
  double other = b.machine_us - a.machine_us;
  for (double us : known) other -= std::max(0.0, us);
  return std::max(0.0, other);
}

}  // namespace fruition::bench
