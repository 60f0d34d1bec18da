#!/usr/bin/env bash
# Regenerates the Python protobuf and gRPC stubs from proto/ into service/api/gen/.
# The -I mapping makes the generated modules import each other absolutely
# (service.api.gen.signupguard.v1...), so nothing needs patching afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python}
out=service/api/gen
rm -rf "$out/signupguard"
mkdir -p "$out"
"$PY" -m grpc_tools.protoc \
  -I"$out=proto" \
  --python_out=. --pyi_out=. --grpc_python_out=. \
  $(find proto -name '*.proto' | sort | sed "s#^proto#$out#")
# Every generated folder is a regular package.
find "$out" -type d -exec sh -c 'test -f "$1/__init__.py" || : > "$1/__init__.py"' _ {} \;
