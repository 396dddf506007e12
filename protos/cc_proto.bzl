"""C++ (and gRPC) code from one .proto, with Debian's protoc and grpc_cpp_plugin.

Bazel 4.2's proto rules would download protoc; this runs the system compiler
instead (packages protobuf-compiler and protobuf-compiler-grpc).
"""

def fruition_cc_proto(name, src, deps = [], grpc = False, visibility = None):
    """One cc_library `name` for `src` (a file in this package).

    Args:
      name: target name, e.g. "reports_cc_proto".
      src: the .proto file, e.g. "reports.proto".
      deps: other fruition_cc_proto targets whose .proto files `src` imports.
      grpc: also generate the gRPC service stubs.
      visibility: as usual.
    """
    base = src[:-len(".proto")]
    outs = [base + ".pb.h", base + ".pb.cc"]
    if grpc:
        outs += [base + ".grpc.pb.h", base + ".grpc.pb.cc"]
    proto_srcs = [src] + [d + "_srcs" for d in deps]
    native.filegroup(
        name = name + "_srcs",
        srcs = [src] + [d + "_srcs" for d in deps],
        visibility = visibility,
    )
    grpc_flags = ""
    if grpc:
        grpc_flags = "--grpc_out=$(GENDIR)/protos --plugin=protoc-gen-grpc=/usr/bin/grpc_cpp_plugin"
    native.genrule(
        name = name + "_gen",
        srcs = proto_srcs,
        outs = outs,
        cmd = ("/usr/bin/protoc -Iprotos -I/usr/include --cpp_out=$(GENDIR)/protos " +
               grpc_flags + " $(location " + src + ")"),
    )
    native.cc_library(
        name = name,
        srcs = [o for o in outs if o.endswith(".cc")],
        hdrs = [o for o in outs if o.endswith(".h")],
        strip_include_prefix = "/protos",
        deps = deps + ["@system//:grpc", "@system//:protobuf"],
        visibility = visibility,
    )
