//! The configuration file: the API key and the region, so that they need not be given on
//! every command. It lives in the platform's configuration directory
//! (`~/.config/runninghub/config.toml` on Linux), or where `RUNNINGHUB_CONFIG` says, and is
//! written readable by its owner only. Flags win over the environment, which wins over the
//! file.

use super::Failure;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The environment variable that names another configuration file.
pub(crate) const CONFIG_ENV: &str = "RUNNINGHUB_CONFIG";

/// What the file holds.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileConfig {
    /// The API key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
    /// `ai` (international) or `cn` (China).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// Where the file is: `RUNNINGHUB_CONFIG`, else `runninghub/config.toml` in the platform's
/// configuration directory.
pub(crate) fn path() -> Result<PathBuf, Failure> {
    if let Some(path) = std::env::var_os(CONFIG_ENV).filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(path));
    }
    dirs::config_dir()
        .map(|dir| dir.join("runninghub").join("config.toml"))
        .ok_or_else(|| {
            Failure::usage(format!(
                "this platform has no configuration directory; set {CONFIG_ENV} to a file path"
            ))
        })
}

/// Reads the file at `path`; a missing file is an empty configuration.
pub(crate) fn read(path: &Path) -> Result<FileConfig, Failure> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(FileConfig::default()),
        Err(e) => {
            return Err(Failure::usage(format!(
                "cannot read the configuration file {}: {e}",
                path.display()
            )));
        }
    };
    // The error of `toml` quotes the offending line, which may hold the key: only its
    // position is shown.
    toml::from_str(&text).map_err(|e| {
        let at = e
            .span()
            .map(|span| format!(" (at byte {})", span.start))
            .unwrap_or_default();
        Failure::usage(format!(
            "the configuration file {} is not valid{at}: it holds `api_key = \"…\"` and `region = \"ai\"` or `\"cn\"`",
            path.display()
        ))
    })
}

/// Writes `config` to `path`, readable and writable by its owner only, replacing the file
/// in one step (a crash leaves the old file or the new one, never half of one).
pub(crate) fn write(path: &Path, config: &FileConfig) -> Result<(), Failure> {
    let fail = |what: &str, e: std::io::Error| {
        Failure::usage(format!("cannot {what} {}: {e}", path.display()))
    };
    let text = toml::to_string(config).expect("the configuration serializes");
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(dir)
            .map_err(|e| fail("create the directory of", e))?;
    }
    let tmp = path.with_extension(format!("toml.tmp-{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&tmp).and_then(|mut file| {
        std::io::Write::write_all(&mut file, text.as_bytes())?;
        file.sync_all()
    });
    if let Err(e) = written.and_then(|()| std::fs::rename(&tmp, path)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail("write", e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_file_reads_back_and_only_its_owner_can_read_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/config.toml");
        let config = FileConfig {
            api_key: Some("k-123".into()),
            region: Some("cn".into()),
        };
        write(&path, &config).unwrap();
        assert_eq!(read(&path).unwrap(), config);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(
            read(&dir.path().join("missing.toml")).unwrap(),
            FileConfig::default()
        );
    }

    #[test]
    fn a_broken_file_is_an_error_that_never_quotes_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "api_key = \"secret-key-value\nregion = 3\n").unwrap();
        let message = read(&path).unwrap_err().message;
        assert!(message.contains("is not valid"), "{message}");
        assert!(!message.contains("secret-key-value"), "{message}");
    }
}
