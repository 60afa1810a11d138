//! The workspace's test binary: generated-code snapshots and freshness, the generator's
//! handling of bad input, and the client's behaviour against local servers.

mod bad_specs;
mod batch;
mod behaviour;
mod codegen_fixtures;
mod decoders;
mod freshness;
mod guard;
mod layering;
mod lean_deserialize;
mod learning;
mod legacy;
mod lifecycle;
mod multi_file;
mod no_panic;
mod platform;
mod real_spec_slices;
mod spec_driven;
mod spec_examples;
mod spec_validation;
mod support;
mod timing;
mod traces;
