#!/usr/bin/env bash
# tools/function-length finds a long function, accepts one with a reason
# above it, and ignores braces inside strings and comments.
set -euo pipefail
checker="$1"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
body() { for i in $(seq 1 "$1"); do echo "  x += $i;  // {"; done; }
{
  echo 'namespace n {'
  echo 'int Short(int x) {'; body 10; echo '  return x;'; echo '}'
  echo 'int Long(int x) {'; echo '  const char* s = "}}}";'; body 85; echo '  return x;'; echo '}'
  echo '// Does one thing.'
  echo '// Long: a table that reads best whole.'
  echo 'int Explained(int x) {'; body 85; echo '  return x;'; echo '}'
  echo '}  // namespace n'
} >"$dir/a.cc"
if out=$("$checker" "$dir/a.cc"); then
  echo "FAIL: a long function without a reason passed: $out"; exit 1
fi
echo "$out" | grep -q 'a.cc:15: Long is 89 lines' || { echo "FAIL: want Long at line 15 (89 lines), got: $out"; exit 1; }
if echo "$out" | grep -q 'Short\|Explained'; then echo "FAIL: flagged too much: $out"; exit 1; fi
"$checker" --max 200 "$dir/a.cc" >/dev/null || { echo "FAIL: --max 200 should pass"; exit 1; }
echo "PASS"
