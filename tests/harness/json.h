// JSON values compared as values in tests: protobuf's JSON printer writes a
// Struct's keys in its map's iteration order, which two equal Structs need
// not share, so tests that compare answers (a scorecard now and before, the
// API against its own computation) compare CanonicalJson instead.
#ifndef FRUITION_TESTS_HARNESS_JSON_H_
#define FRUITION_TESTS_HARNESS_JSON_H_

#include <string>

#include "google/protobuf/struct.pb.h"

namespace fruition::testing {

// `v` as compact JSON with every object's keys sorted; numbers with 17
// significant digits (equal doubles print equal, different ones differ).
std::string CanonicalJson(const google::protobuf::Value& v);
std::string CanonicalJson(const google::protobuf::Struct& s);

}  // namespace fruition::testing

#endif  // FRUITION_TESTS_HARNESS_JSON_H_
