//! The runtime surface: every hand-written item that generated code names, and nothing
//! else. `cargo xtask codegen` writes `crate::runtime::…` for these, in both generated
//! files: here, and in the `runninghub` crate, whose `runtime` module re-exports this one.
//! Apart from them the generated code names only its crate's own `types`, `operations` and
//! [`crate::Client`] (the guard test `dependencies_run_one_way` enforces it). Public so that
//! the `runninghub` crate can name it; not for anyone else.
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

pub use crate::decode::unit_enum;
pub use crate::error::Error;
pub use crate::operation::{
    Credential, EnvelopeOperation, Operation, OperationInfo, Registry, TaskOperation,
};
pub use crate::transport::RawInner;
pub use crate::validation::{
    Path, Validate, ValidationError, Violations, check_chars, check_integer, check_items,
    check_number, from_json,
};
pub use crate::wait::Submission;
pub use crate::{envelope_marker, lean_struct, operation_info, operation_marker, request_new};
