#!/usr/bin/env bash
# tools/layering passes a tree that keeps the layers and reports each way of
# breaking them, one at a time, with the file and line.
set -euo pipefail
checker="$1"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# A small tree with the repository's shape: groups in services/BUILD, two
# private services with public libraries, domain/ and common/, a tool, a
# test, a benchmark and the protos.
write() { mkdir -p "$(dirname "$dir/$1")"; cat >"$dir/$1"; }
clean_tree() {
  rm -rf "${dir:?}"/*
  write services/BUILD <<'EOF'
package_group(name = "services", packages = ["//services/..."])
package_group(
    name = "tools_tests_bench",
    packages = ["//bench/...", "//tests/...", "//tools/..."],
)
EOF
  write services/common/BUILD <<'EOF'
package(default_visibility = ["//services:services", "//services:tools_tests_bench"])
cc_library(name = "strings", hdrs = ["strings.h"])
EOF
  write services/domain/BUILD <<'EOF'
package(default_visibility = ["//services:services", "//services:tools_tests_bench"])
cc_library(name = "orgs", srcs = ["orgs.cc"], deps = ["//services/common:strings"])
EOF
  write services/alpha/BUILD <<'EOF'
package(default_visibility = ["//visibility:private"])
cc_library(
    name = "core",
    srcs = ["core.cc"],
    deps = ["//services/domain:orgs", "//protos/fruition/internal:alpha_cc_proto"],
)
cc_library(name = "run", deps = [":core"], visibility = ["//services:tools_tests_bench"])
cc_test(name = "core_test", deps = [":core", "//tests/harness:fixtures"])
EOF
  write services/beta/BUILD <<'EOF'
package(default_visibility = ["//services/beta:__subpackages__"])
cc_library(
    name = "core",
    deps = select({
        ":fast": ["//services/common:strings"],
        "//conditions:default": [],
    }),
    visibility = ["//bench:__pkg__", "//services/beta:__subpackages__"],
)
cc_library(name = "run", deps = [":core"], visibility = ["//services:tools_tests_bench"])
EOF
  write tools/BUILD <<'EOF'
package(default_visibility = ["//services:tools_tests_bench"])
cc_binary(name = "dev", deps = ["//services/alpha:run", "//services/beta:run"])
EOF
  write tests/harness/BUILD <<'EOF'
package(default_visibility = ["//tests:__subpackages__"])
cc_library(name = "fixtures", testonly = True, visibility = [
    "//services:services",
    "//services:tools_tests_bench",
])
EOF
  write bench/BUILD <<'EOF'
cc_binary(name = "beta_bench", deps = ["//services/beta:core"])
EOF
  write protos/fruition/v1/BUILD <<'EOF'
package(default_visibility = ["//visibility:public"])
EOF
  write protos/fruition/internal/BUILD <<'EOF'
package(default_visibility = ["//services:services"])
cc_library(name = "alpha_cc_proto", visibility = ["//bench:__pkg__", "//services:services"])
EOF
}

clean_tree
out=$("$checker" "$dir") || fail "a clean tree failed: $out"
echo "$out" | grep -q '^layering: clean (10 BUILD files)$' || fail "want clean (10), got: $out"

# One way of breaking the layers a line: FILE|text|replacement|LINE|PATTERN.
# The edit breaks the clean tree; the checker must fail and report FILE:LINE
# with PATTERN. Then the tree is clean again.
cases() {
  cat <<'CASES'
services/beta/BUILD|"//services/common:strings"|"//services/alpha:core"|5|service beta depends on service alpha
services/alpha/BUILD|"//services/domain:orgs"|"//services/beta:run"|5|service alpha depends on service beta
services/domain/BUILD|"//services/common:strings"|"//services/alpha:run"|2|services/domain depends on service alpha
services/common/BUILD|hdrs = ["strings.h"]|deps = ["//services/domain:orgs"]|2|services/common depends on services/domain
services/alpha/BUILD|deps = [":core"]|deps = [":core", "//tools:dev"]|7|depends on tools
services/alpha/BUILD|deps = [":core"]|deps = [":core", "//tests/harness:fixtures"]|7|depends on tests/harness
services/alpha/BUILD|"//visibility:private"|"//visibility:public"|1|//visibility:public
services/alpha/BUILD|visibility = ["//services:tools_tests_bench"]|visibility = ["//services:services"]|7|service alpha made visible to //services:services
services/beta/BUILD|"//bench:__pkg__", |"//services/alpha:__pkg__", |8|service beta made visible to //services/alpha:__pkg__
services/BUILD|"//bench/...",|"//bench/...", "//services/...",|4|tools_tests_bench includes //services/...
services/BUILD|packages = ["//bench/...",|includes = [":services"], packages = ["//bench/...",|4|includes the group :services
services/beta/BUILD|"//bench:__pkg__", |"//tools:any_group", |8|service beta made visible to //tools:any_group
protos/fruition/internal/BUILD|"//bench:__pkg__"|"//tools:__subpackages__"|2|internal record format made visible to //tools:__subpackages__
tools/BUILD|"//services:tools_tests_bench"|"//visibility:public"|1|//visibility:public
CASES
}
n=0
while IFS='|' read -r file old new line pattern; do
  python3 - "$dir/$file" "$old" "$new" <<'PY'
import sys
path, old, new = sys.argv[1:]
s = open(path).read()
assert s.count(old) == 1, (path, old)
open(path, "w").write(s.replace(old, new))
PY
  if out=$("$checker" "$dir"); then fail "$file:$line not reported ($pattern)"; fi
  echo "$out" | grep "^$file:$line: " | grep -qF -- "$pattern" ||
    fail "want $file:$line: ...$pattern, got: $out"
  clean_tree
  n=$((n + 1))
done < <(cases)
[ "$n" = 14 ] || fail "ran $n cases, want 14"

echo "PASS"
