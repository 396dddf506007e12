// Protobuf helpers shared by the services.
#ifndef FRUITION_SERVICES_COMMON_PROTO_H_
#define FRUITION_SERVICES_COMMON_PROTO_H_

#include <string>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/message.h"

namespace fruition {

// The message's bytes with map entries in key order, so that equal messages
// give equal bytes (for content hashes such as assessment_id, event_id,
// scorecard_id, and for stored state compared byte for byte).
inline std::string SerializeDeterministic(const google::protobuf::Message& m) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    m.SerializeToCodedStream(&coded);
  }
  return out;
}

}  // namespace fruition

#endif  // FRUITION_SERVICES_COMMON_PROTO_H_
