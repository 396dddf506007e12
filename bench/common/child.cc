#include "bench/common/child.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <thread>

#include "bench/common/flags.h"
#include "services/common/strings.h"

namespace fruition::bench {

Child::Child(const std::vector<std::string>& argv, const std::string& log,
             bool stopped) {
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ < 0) Die("fork failed");
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(1);
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    if (stopped) raise(SIGSTOP);
    execv(args[0], args.data());
    _exit(127);
  }
  if (stopped) {
    int status = 0;
    if (waitpid(pid_, &status, WUNTRACED) != pid_ || !WIFSTOPPED(status)) {
      Die(argv[0] + " did not stop before exec");
    }
  }
}

void Child::Continue() { kill(pid_, SIGCONT); }

bool Child::Running(std::string* why) {
  if (exited_) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == 0) return true;
  exited_ = true;
  *why = WIFEXITED(status) ? StrCat("exited with status ", WEXITSTATUS(status))
                           : StrCat("killed by signal ", WTERMSIG(status));
  return false;
}

void Child::Stop(int signal) {
  if (exited_ || pid_ <= 0) return;
  kill(pid_, signal);
  kill(pid_, SIGCONT);
  int status = 0;
  for (int k = 0; k < 300; ++k) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      exited_ = true;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::cerr << Program() << ": child " << pid_ << " still running 30 s after "
            << "signal " << signal << "; SIGKILL\n";
  kill(pid_, SIGKILL);
  waitpid(pid_, &status, 0);
  exited_ = true;
}

}  // namespace fruition::bench
