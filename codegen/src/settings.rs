//! The one place progenitor's generator is configured. The xtask, the freshness test and
//! the snapshot tests all generate through [`crate::generate`], which uses this.

use progenitor::{GenerationSettings, HooksMode, InterfaceStyle, TagStyle};

/// Settings for progenitor:
/// - positional methods (`client.op(&body)`), which compile faster and smaller than builders;
/// - one merged `Client` (tags are kept in the spec for documentation);
/// - hooks expected: the client crate must implement `ClientHooks` (validation, header
///   clean-up, the transport), and forgetting it is a compile error;
/// - an inner value, `crate::runtime::RawInner`, which the hooks read for the transport;
/// - `BTreeMap` for maps, so output and behaviour do not depend on hashing.
pub(crate) fn progenitor_settings() -> GenerationSettings {
    let mut settings = GenerationSettings::default();
    settings
        .with_interface(InterfaceStyle::Positional)
        .with_tag(TagStyle::Merged)
        .with_hooks(HooksMode::Expected)
        .with_inner_type(quote::quote!(crate::runtime::RawInner))
        .with_map_type("::std::collections::BTreeMap");
    settings
}
