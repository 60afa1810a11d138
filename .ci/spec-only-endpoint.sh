#!/usr/bin/env bash
# Proves that adding a model endpoint is a spec-only change: copies the workspace, adds a
# family file with two endpoints to the copy's spec (one with a `$ref` body, one inline) and
# lists them in the root document, runs `cargo xtask
# codegen` on the copy (which regenerates and compiles the client, and adds the new family to
# the crate's features), then runs an example
# that calls the new methods and checks their validation. No Rust is edited, and the runtime
# crate's generated file is left as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cp -r Cargo.toml Cargo.lock .cargo codegen runtime generated-client simulator cli xtask tests spec "$tmp/"
spec="$tmp/spec/runninghub.yaml"
grep -q '^paths:$' "$spec"
cp .ci/new-endpoint/acme.yaml "$tmp/spec/models/acme.yaml"
sed -i "/^paths:\$/r $root/.ci/new-endpoint/root-paths.yaml" "$spec"

export CARGO_TARGET_DIR="$root/target"
cargo xtask codegen --root "$tmp"
grep -q "pub fn acme_text_to_image<'a>(" "$tmp/generated-client/src/generated.rs"
# A new family changes the models crate only: the runtime crate's file (and so its build) stays.
cmp runtime/src/generated.rs "$tmp/runtime/src/generated.rs"
# The new family is a cargo feature, enabled by default, and builds alone.
grep -q '^acme = \[\]$' "$tmp/generated-client/Cargo.toml"
grep -q '^all-families = \[.*"acme"' "$tmp/generated-client/Cargo.toml"
(cd "$tmp" && cargo check --quiet --locked --package runninghub --no-default-features --features acme)
mkdir -p "$tmp/generated-client/examples"
cp .ci/new-endpoint/new_endpoint.rs "$tmp/generated-client/examples/"
(cd "$tmp" && cargo run --quiet --locked --package runninghub --example new_endpoint)
