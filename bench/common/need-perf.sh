# Sourced by bench scripts that take --perf FILE: makes sure `perf` runs,
# installing Debian's linux-perf when it is missing (as tools/bootstrap
# installs the build's packages), so a profile needs no step by hand.
# Uses the caller's die().
need_perf() {
  if ! command -v perf >/dev/null 2>&1; then
    echo "$(basename "$0"): --perf: installing linux-perf (Debian)" >&2
    local sudo=""
    if [[ "$(id -u)" != 0 ]]; then
      command -v sudo >/dev/null 2>&1 || die "--perf: perf is missing; need root or sudo to install linux-perf"
      sudo=sudo
    fi
    $sudo apt-get update -q >&2 &&
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends linux-perf >&2 ||
      die "--perf: could not install linux-perf"
  fi
  # Debian's wrapper refuses a kernel it has no perf for; say so plainly.
  perf --version >/dev/null 2>&1 || die "--perf: perf does not run here: $(perf --version 2>&1 | head -1)"
}
