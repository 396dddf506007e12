#include "services/release/tar.h"

#include <cstdio>
#include <cstring>
#include <map>
#include <set>

#include "absl/status/status.h"

namespace fruition::release {
namespace {

constexpr size_t kBlock = 512;

void Octal(char* field, size_t width, uint64_t v) {
  // width - 1 digits and a NUL.
  std::snprintf(field, width, "%0*llo", static_cast<int>(width - 1),
                static_cast<unsigned long long>(v));
}

// One header block; `path` fits (checked by the caller).
std::string Header(const std::string& path, uint64_t size, bool dir) {
  char h[kBlock];
  std::memset(h, 0, sizeof(h));
  std::string name = path, prefix;
  if (name.size() > 100) {
    const size_t cut = path.rfind('/', 155);
    prefix = path.substr(0, cut);
    name = path.substr(cut + 1);
  }
  name.copy(h, name.size());
  Octal(h + 100, 8, dir ? 0755 : 0644);
  Octal(h + 108, 8, 0);  // uid
  Octal(h + 116, 8, 0);  // gid
  Octal(h + 124, 12, size);
  Octal(h + 136, 12, 0);  // mtime
  std::memset(h + 148, ' ', 8);
  h[156] = dir ? '5' : '0';
  std::memcpy(h + 257, "ustar", 6);
  h[263] = '0';  // version "00", no terminator
  h[264] = '0';
  prefix.copy(h + 345, prefix.size());
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  std::snprintf(h + 148, 8, "%06o", sum);  // six digits, NUL, then space
  h[155] = ' ';
  return std::string(h, sizeof(h));
}

absl::Status CheckPath(const std::string& path) {
  bool fits = path.size() <= 100;
  if (!fits && path.size() <= 256) {
    const size_t cut = path.rfind('/', 155);
    fits = cut != std::string::npos && cut > 0 && path.size() - cut - 1 <= 100;
  }
  if (path.empty() || path[0] == '/' || path.find("//") != std::string::npos ||
      path.find("..") != std::string::npos || path.back() == '/' || !fits) {
    return absl::InvalidArgumentError("path \"" + path +
                                      "\": not a relative path ustar can hold");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> Tar(const std::string& top,
                                const std::vector<File>& files) {
  // path -> file (null for a directory); std::map sorts, and "a/" sorts
  // before "a/b".
  std::map<std::string, const File*> entries;
  entries[top + "/"] = nullptr;
  for (const File& f : files) {
    const std::string path = top + "/" + f.path;
    if (f.path.empty() || f.path[0] == '/') return CheckPath(f.path);
    if (absl::Status s = CheckPath(path); !s.ok()) return s;
    if (entries.count(path) > 0) {
      return absl::InvalidArgumentError("path \"" + f.path + "\": given twice");
    }
    entries[path] = &f;
    for (size_t slash = path.find('/', top.size() + 1);
         slash != std::string::npos; slash = path.find('/', slash + 1)) {
      entries[path.substr(0, slash + 1)] = nullptr;
    }
  }
  std::string out;
  for (const auto& [path, file] : entries) {
    if (file == nullptr) {
      out += Header(path, 0, true);
      continue;
    }
    out += Header(path, file->bytes.size(), false);
    out += file->bytes;
    out.append((kBlock - file->bytes.size() % kBlock) % kBlock, '\0');
  }
  out.append(2 * kBlock, '\0');
  return out;
}

}  // namespace fruition::release
