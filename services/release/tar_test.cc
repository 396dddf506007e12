#include "services/release/tar.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"

namespace fruition::release {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Shell(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return "popen failed";
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  EXPECT_EQ(pclose(p), 0) << cmd;
  return out;
}

std::vector<File> Sample() {
  return {{"tables/district.csv", "unit,period\ndistrict:EDPA,FY2016\n"},
          {"MANIFEST", "# x\n"},
          {"index.html", std::string(1500, 'h')},
          {"empty.txt", ""},
          {"a/" + std::string(60, 'd') + "/" + std::string(90, 'n') + ".csv",
           "long name\n"}};
}

TEST(TarTest, TarReadsItAndTheBytesAreTheSameTwice) {
  absl::StatusOr<std::string> a = Tar("fruition-FY2016", Sample());
  ASSERT_TRUE(a.ok()) << a.status();
  std::vector<File> reversed = Sample();
  std::reverse(reversed.begin(), reversed.end());
  EXPECT_EQ(*Tar("fruition-FY2016", reversed), *a);
  EXPECT_EQ(a->size() % 512, 0u);

  const std::string dir = std::string(std::getenv("TEST_TMPDIR")) + "/x";
  const std::string tar = dir + ".tar";
  std::ofstream(tar, std::ios::binary) << *a;
  const std::string listing = Shell("tar -tf " + tar);
  EXPECT_EQ(listing,
            "fruition-FY2016/\nfruition-FY2016/MANIFEST\nfruition-FY2016/a/\n"
            "fruition-FY2016/a/" +
                std::string(60, 'd') + "/\nfruition-FY2016/a/" +
                std::string(60, 'd') + "/" + std::string(90, 'n') +
                ".csv\nfruition-FY2016/empty.txt\n"
                "fruition-FY2016/index.html\nfruition-FY2016/tables/\n"
                "fruition-FY2016/tables/district.csv\n");
  Shell("mkdir -p " + dir + " && tar -xf " + tar + " -C " + dir);
  for (const File& f : Sample()) {
    EXPECT_EQ(Slurp(dir + "/fruition-FY2016/" + f.path), f.bytes) << f.path;
  }
  // Owner, mode and time are fixed.
  const std::string verbose = Shell("tar --numeric-owner -tvf " + tar);
  EXPECT_NE(verbose.find("-rw-r--r-- 0/0"), std::string::npos) << verbose;
  EXPECT_NE(verbose.find("1970-01-01 00:00"), std::string::npos) << verbose;
}

TEST(TarTest, RefusesPathsOutsideTheTopDirectory) {
  for (const char* bad : {"../x", "/etc/passwd", "", "a/../../b"}) {
    EXPECT_EQ(Tar("top", {{bad, "x"}}).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
  EXPECT_FALSE(Tar("top", {{"a", "1"}, {"a", "2"}}).ok());
}

}  // namespace
}  // namespace fruition::release
