// For tests: the value of a checked store read, failing the test (and
// returning a default value) when the read failed.
#ifndef FRUITION_SERVICES_COMMON_STORE_TEST_UTIL_H_
#define FRUITION_SERVICES_COMMON_STORE_TEST_UTIL_H_

#include <utility>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"

namespace fruition::store {

template <typename T>
T Ok(absl::StatusOr<T> v) {
  EXPECT_TRUE(v.ok()) << v.status();
  if (!v.ok()) return T();
  return *std::move(v);
}

}  // namespace fruition::store

#endif  // FRUITION_SERVICES_COMMON_STORE_TEST_UTIL_H_
