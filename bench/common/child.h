// A child process for a bench: a service under measurement, or perf
// recording one. Its stdout and stderr go to a log file, and it gets
// SIGTERM if the bench dies, so an aborted run leaves nothing behind.
#ifndef FRUITION_BENCH_COMMON_CHILD_H_
#define FRUITION_BENCH_COMMON_CHILD_H_

#include <signal.h>
#include <sys/types.h>

#include <string>
#include <vector>

namespace fruition::bench {

class Child {
 public:
  // Starts `argv` (argv[0] a path) with stdout and stderr appended to
  // `log`. With `stopped`, the child stops itself (SIGSTOP) before exec, so
  // that a profiler can attach first; Continue() lets it go.
  Child(const std::vector<std::string>& argv, const std::string& log,
        bool stopped = false);
  ~Child() { Stop(); }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  void Continue();

  // Whether it is still running; if not, sets `why` (exit status or
  // signal).
  bool Running(std::string* why);

  // Sends `signal` (and SIGCONT, in case it is stopped), then SIGKILL if it
  // still runs 30 s later.
  void Stop(int signal = SIGTERM);

 private:
  pid_t pid_ = -1;
  bool exited_ = false;
};

}  // namespace fruition::bench

#endif  // FRUITION_BENCH_COMMON_CHILD_H_
