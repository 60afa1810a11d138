//! The runtime surface: every hand-written item that generated code names, and nothing
//! else. `cargo xtask codegen` writes `crate::runtime::…` for these; apart from them the
//! generated code names only the crate's own `types`, `operations` and [`crate::Client`]
//! (the guard test `dependencies_run_one_way` enforces it).
//!
//! This list is the contract between the generator and the hand-written crate. Changing
//! what an item here means, or removing one, changes what `codegen` must emit: update the
//! emitter (`codegen/src/emit.rs`, `deserialize.rs`, `unit_enums.rs`) in the same change.
//!
//! Where each item lives, bottom up (see `ARCHITECTURE.md`):
//! - leaves, which name nothing generated and nothing above them: `decode` (serde
//!   decoders for the generated types), `validation` (the checks), `fields` (field tables),
//!   `transport` (what progenitor's client carries: [`RawInner`]);
//! - the registry, `operation`: the traits the generated markers implement and the macros
//!   that write them; the one hand-written module that reads generated items directly;
//! - the client layer: [`Submission`], what a checked method returns, and [`Error`], what a
//!   platform call's checked method fails with.

#![allow(
    unused_imports,
    reason = "a build without any model family uses only part of the surface"
)]

pub(crate) use crate::decode::{lean_struct, unit_enum};
pub(crate) use crate::error::Error;
pub(crate) use crate::operation::{
    Credential, EnvelopeOperation, Operation, OperationInfo, TaskOperation, envelope_marker,
    operation_info, operation_marker, request_new,
};
pub(crate) use crate::transport::RawInner;
pub(crate) use crate::validation::{
    Path, Validate, ValidationError, Violations, check_chars, check_integer, check_items,
    check_number, from_json,
};
pub(crate) use crate::wait::Submission;
