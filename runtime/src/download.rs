//! Saving a finished task's outputs: streamed to disk (never held whole in memory), under a
//! temporary name renamed into place only when complete, so a failed download leaves no
//! file behind. Downloads never carry the API key.

use crate::client::{Client, http_error};
use crate::error::Error;
use crate::transport::Audience;
use crate::wait::FinishedTask;
use std::path::{Path, PathBuf};
use tokio::io::AsyncWriteExt;

/// Progress of a download, reported after each chunk written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadProgress {
    /// Which output (0-based) of how many.
    pub index: usize,
    /// The number of outputs.
    pub count: usize,
    /// Where the output is being saved.
    pub path: PathBuf,
    /// Bytes written so far.
    pub bytes: u64,
    /// The size announced by the server, if any.
    pub total: Option<u64>,
}

impl FinishedTask {
    /// Saves every output into `dir` (created if needed) and returns the paths, in output
    /// order. Files are named after the task id and the output type: `<task id>.<type>`,
    /// or `<task id>-<n>.<type>` when there are several. Text outputs without a URL are
    /// saved as their text. An existing file of the same name is replaced.
    pub async fn download_to(&self, dir: impl AsRef<Path>) -> Result<Vec<PathBuf>, Error> {
        self.download_to_with(dir, |_| {}).await
    }

    /// Like [`FinishedTask::download_to`], reporting progress.
    pub async fn download_to_with(
        &self,
        dir: impl AsRef<Path>,
        mut progress: impl FnMut(&DownloadProgress),
    ) -> Result<Vec<PathBuf>, Error> {
        let dir = dir.as_ref();
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|source| Error::Io {
                action: "creating",
                path: dir.to_path_buf(),
                source,
            })?;
        let outputs = self.outputs();
        let count = outputs.len();
        let mut saved = Vec::with_capacity(count);
        for (index, output) in outputs.iter().enumerate() {
            let ext = extension(output.output_type.as_deref(), output.url.as_deref());
            let name = if count == 1 {
                format!("{}.{ext}", safe(self.task_id()))
            } else {
                format!("{}-{}.{ext}", safe(self.task_id()), index + 1)
            };
            let path = dir.join(&name);
            let tmp = dir.join(format!(".{name}.part-{}", std::process::id()));
            let mut report = |bytes, total| {
                progress(&DownloadProgress {
                    index,
                    count,
                    path: path.clone(),
                    bytes,
                    total,
                })
            };
            let span = tracing::info_span!(
                "download",
                task_id = self.task_id(),
                index,
                file = name.as_str()
            );
            let written = tracing::Instrument::instrument(
                async {
                    match (&output.url, &output.text) {
                        (Some(url), _) => {
                            fetch(&self.client, url, &tmp, &mut report).await.map(Some)
                        }
                        (None, Some(text)) => write_text(&tmp, text).await.map(Some),
                        (None, None) => Ok(None),
                    }
                },
                span.clone(),
            )
            .await;
            let written = match written {
                Ok(None) => continue,
                Ok(Some(())) => Ok(()),
                Err(e) => Err(e),
            };
            if let Err(e) = written {
                let _ = tokio::fs::remove_file(&tmp).await;
                return Err(e);
            }
            tokio::fs::rename(&tmp, &path).await.map_err(|source| {
                let _ = std::fs::remove_file(&tmp);
                Error::Io {
                    action: "renaming into place",
                    path: path.clone(),
                    source,
                }
            })?;
            tracing::info!(parent: &span, path = %path.display(), "saved");
            saved.push(path);
        }
        Ok(saved)
    }
}

async fn fetch(
    client: &Client,
    url: &str,
    tmp: &Path,
    report: &mut impl FnMut(u64, Option<u64>),
) -> Result<(), Error> {
    // Storage hosts never see the key.
    let request = client.files.get(url);
    let mut response = client.execute(request, Audience::Storage).await?;
    if !response.status().is_success() {
        return Err(http_error(response).await);
    }
    let total = response.content_length();
    let io = |action| {
        move |source| Error::Io {
            action,
            path: tmp.to_path_buf(),
            source,
        }
    };
    let mut file = tokio::fs::File::create(tmp).await.map_err(io("creating"))?;
    let mut bytes = 0u64;
    while let Some(chunk) = response.chunk().await.map_err(Error::Transport)? {
        file.write_all(&chunk).await.map_err(io("writing"))?;
        bytes += chunk.len() as u64;
        report(bytes, total);
    }
    if let Some(total) = total
        && bytes != total
    {
        return Err(Error::Io {
            action: "downloading",
            path: tmp.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                format!("received {bytes} of {total} bytes"),
            ),
        });
    }
    file.sync_all().await.map_err(io("flushing"))?;
    Ok(())
}

async fn write_text(tmp: &Path, text: &str) -> Result<(), Error> {
    tokio::fs::write(tmp, text)
        .await
        .map_err(|source| Error::Io {
            action: "writing",
            path: tmp.to_path_buf(),
            source,
        })
}

/// A file extension from the output type, else from the URL's path, else `bin`; only
/// ASCII letters and digits are kept, so nothing from the server can steer the path.
fn extension(output_type: Option<&str>, url: Option<&str>) -> String {
    let clean = |s: &str| -> Option<String> {
        let e: String = s
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(10)
            .collect();
        (!e.is_empty()).then(|| e.to_ascii_lowercase())
    };
    output_type
        .and_then(clean)
        .or_else(|| {
            let path = url?.split(['?', '#']).next()?;
            let last = path.rsplit('/').next()?;
            let (_, ext) = last.rsplit_once('.')?;
            clean(ext)
        })
        .unwrap_or_else(|| "bin".to_owned())
}

/// A task id made safe as a file name.
fn safe(id: &str) -> String {
    let s: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() { "task".to_owned() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_only_from_safe_characters() {
        assert_eq!(extension(Some("mp4"), None), "mp4");
        assert_eq!(extension(Some("../../etc"), None), "etc");
        assert_eq!(extension(None, Some("https://x/a/b.PNG?sig=1")), "png");
        assert_eq!(extension(Some(""), Some("https://x/a/noext")), "bin");
        assert_eq!(safe("2009191190196789249"), "2009191190196789249");
        assert_eq!(safe("../x"), "___x");
        assert_eq!(safe(""), "task");
    }
}
