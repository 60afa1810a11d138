//! Uploading local media (multipart, which progenitor cannot generate; the spec describes
//! the operation and marks it hand-written) and putting local files into requests.

use crate::client::{Client, read_json};
use crate::error::{Error, ErrorCode};
use crate::handwritten_paths;
use crate::transport::Audience;
use crate::types;
use progenitor_client::ClientInfo;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use tokio::io::AsyncRead;

/// Prefix marking a request field value as a local file to upload first (see
/// [`Client::upload_local_files`]).
const LOCAL_PREFIX: &str = "file://";

/// What to upload.
pub enum UploadSource {
    /// A file on disk, streamed; its name and media type come from the path.
    Path(PathBuf),
    /// Bytes in memory, with the file name to give them.
    Bytes {
        /// The file name RunningHub sees; its extension gives the media type.
        file_name: String,
        /// The content.
        bytes: Vec<u8>,
    },
    /// Any reader, streamed, with the file name to give its content.
    Reader {
        /// The file name RunningHub sees; its extension gives the media type.
        file_name: String,
        /// The content.
        reader: Pin<Box<dyn AsyncRead + Send + Sync>>,
    },
}

impl std::fmt::Debug for UploadSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UploadSource::Path(p) => f.debug_tuple("Path").field(p).finish(),
            UploadSource::Bytes { file_name, bytes } => f
                .debug_struct("Bytes")
                .field("file_name", file_name)
                .field("len", &bytes.len())
                .finish(),
            UploadSource::Reader { file_name, .. } => f
                .debug_struct("Reader")
                .field("file_name", file_name)
                .finish(),
        }
    }
}

impl UploadSource {
    /// Bytes in memory under `file_name`.
    pub fn bytes(file_name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> UploadSource {
        UploadSource::Bytes {
            file_name: file_name.into(),
            bytes: bytes.into(),
        }
    }

    /// A reader under `file_name`.
    pub fn reader(
        file_name: impl Into<String>,
        reader: impl AsyncRead + Send + Sync + 'static,
    ) -> UploadSource {
        UploadSource::Reader {
            file_name: file_name.into(),
            reader: Box::pin(reader),
        }
    }
}

impl From<PathBuf> for UploadSource {
    fn from(p: PathBuf) -> Self {
        UploadSource::Path(p)
    }
}

impl From<&Path> for UploadSource {
    fn from(p: &Path) -> Self {
        UploadSource::Path(p.to_path_buf())
    }
}

/// A stored upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uploaded {
    /// The URL to put into a model request's media field (valid for about a day).
    pub download_url: String,
    /// The stored file's name on RunningHub.
    pub file_name: Option<String>,
    /// The kind of media stored, such as `image`.
    pub media_type: Option<String>,
    /// The stored size in bytes.
    pub size: Option<u64>,
}

/// Marks a local file for [`Client::upload_local_files`]: put the returned string where a
/// request expects a media URL.
pub fn local_file(path: impl AsRef<Path>) -> String {
    let path = path.as_ref();
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    format!("{LOCAL_PREFIX}{}", absolute.display())
}

/// The media type RunningHub expects for the file types it accepts.
fn mime_of(file_name: &str) -> &'static str {
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "webp" => "image/webp",
        "mp3" => "audio/mpeg",
        "wav" => "audio/wav",
        "flac" => "audio/flac",
        "mp4" => "video/mp4",
        "avi" => "video/x-msvideo",
        "mov" => "video/quicktime",
        "mkv" => "video/x-matroska",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
}

/// The kind of media RunningHub reports for an uploaded file, from its name: `image`,
/// `audio`, `video`, `zip`, or empty when unknown (what the simulator answers, too).
///
/// ```
/// assert_eq!(runninghub::upload_kind("cat.PNG"), "image");
/// assert_eq!(runninghub::upload_kind("notes.txt"), "");
/// ```
pub fn upload_kind(file_name: &str) -> &'static str {
    match mime_of(file_name) {
        m if m.starts_with("image/") => "image",
        m if m.starts_with("audio/") => "audio",
        m if m.starts_with("video/") => "video",
        "application/zip" => "zip",
        _ => "",
    }
}

impl Client {
    /// Uploads a file and returns its download URL. The upload is not retried (a reader
    /// cannot be replayed); uploads are not charged, so calling again after a failure is safe.
    pub async fn upload(&self, source: impl Into<UploadSource>) -> Result<Uploaded, Error> {
        let part = match source.into() {
            UploadSource::Path(path) => {
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let file = tokio::fs::File::open(&path)
                    .await
                    .map_err(|source| Error::Io {
                        action: "opening",
                        path: path.clone(),
                        source,
                    })?;
                let len = file.metadata().await.ok().map(|m| m.len());
                let body = reqwest::Body::wrap_stream(tokio_util::io::ReaderStream::new(file));
                let part = match len {
                    Some(len) => reqwest::multipart::Part::stream_with_length(body, len),
                    None => reqwest::multipart::Part::stream(body),
                };
                part.mime_str(mime_of(&name))
                    .map_err(Error::Transport)?
                    .file_name(name)
            }
            UploadSource::Bytes { file_name, bytes } => reqwest::multipart::Part::bytes(bytes)
                .mime_str(mime_of(&file_name))
                .map_err(Error::Transport)?
                .file_name(file_name),
            UploadSource::Reader { file_name, reader } => {
                let body = reqwest::Body::wrap_stream(tokio_util::io::ReaderStream::new(reader));
                reqwest::multipart::Part::stream(body)
                    .mime_str(mime_of(&file_name))
                    .map_err(Error::Transport)?
                    .file_name(file_name)
            }
        };
        let form = reqwest::multipart::Form::new().part("file", part);
        let url = format!(
            "{}{}",
            self.raw().baseurl(),
            handwritten_paths::UPLOAD_MEDIA
        );
        let request = self.raw().client().post(url).multipart(form);
        let response = self.execute(request, Audience::RunningHub).await?;
        let envelope: types::UploadResponse = read_json(response).await?;
        let message = envelope.message.or(envelope.msg).unwrap_or_default();
        if envelope.code != 0 && envelope.code != 200 {
            return Err(Error::Api {
                code: ErrorCode::parse(&envelope.code.to_string()),
                message,
                task_id: None,
            });
        }
        let data = envelope.data;
        let Some(download_url) = data
            .as_ref()
            .and_then(|d| d.download_url.clone())
            .filter(|u| !u.is_empty())
        else {
            return Err(Error::Api {
                code: ErrorCode::parse(&envelope.code.to_string()),
                message: format!("the upload succeeded without a download_url ({message})"),
                task_id: None,
            });
        };
        let data = data.expect("download_url came from data");
        Ok(Uploaded {
            download_url,
            file_name: data.file_name,
            media_type: data.type_,
            size: data.size.and_then(|s| s.trim().parse().ok()),
        })
    }

    /// Returns `body` with every string value made by [`local_file`] (anywhere in the body)
    /// replaced by the download URL of that file, uploaded first. Works for any request type;
    /// each distinct file is uploaded once.
    pub async fn upload_local_files<B: Serialize + DeserializeOwned>(
        &self,
        body: &B,
    ) -> Result<B, Error> {
        let mut value =
            serde_json::to_value(body).map_err(|e| Error::InvalidRequest(e.to_string()))?;
        let mut locals = Vec::new();
        collect_locals(&value, &mut locals);
        locals.sort();
        locals.dedup();
        let mut urls = std::collections::HashMap::new();
        for local in locals {
            let path = PathBuf::from(local.trim_start_matches(LOCAL_PREFIX));
            let uploaded = self.upload(path).await?;
            urls.insert(local, uploaded.download_url);
        }
        replace_locals(&mut value, &urls);
        serde_json::from_value(value).map_err(|e| Error::InvalidRequest(e.to_string()))
    }
}

fn collect_locals(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) if s.starts_with(LOCAL_PREFIX) => out.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|i| collect_locals(i, out)),
        serde_json::Value::Object(map) => map.values().for_each(|i| collect_locals(i, out)),
        _ => {}
    }
}

fn replace_locals(v: &mut serde_json::Value, urls: &std::collections::HashMap<String, String>) {
    match v {
        serde_json::Value::String(s) => {
            if let Some(url) = urls.get(s.as_str()) {
                *s = url.clone();
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(|i| replace_locals(i, urls)),
        serde_json::Value::Object(map) => map.values_mut().for_each(|i| replace_locals(i, urls)),
        _ => {}
    }
}

/// A LoRA stored on RunningHub ([`Client::upload_lora`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UploadedLora {
    /// The stored LoRA's name: the value of an `RHLoraLoader` node's input.
    pub file_name: String,
    /// The MD5 digest of the file, which names it on RunningHub.
    pub md5: String,
    /// The bytes uploaded.
    pub size: u64,
}

impl Client {
    /// Uploads a LoRA (a `.safetensors` file) for workflows and apps, in RunningHub's two
    /// steps: the file's MD5 and a name get a signed address (`lora_upload_url`), then the
    /// bytes are `PUT` there, streamed from disk. The signed address belongs to a storage
    /// host, which never sees the API key. `name` defaults to the file's name without its
    /// extension.
    ///
    /// Not retried: calling again after a failure is safe (the MD5 names the file, so a
    /// second upload replaces the first).
    pub async fn upload_lora(
        &self,
        path: impl AsRef<Path>,
        name: Option<&str>,
    ) -> Result<UploadedLora, Error> {
        use md5::Digest as _;
        use tokio::io::AsyncReadExt as _;
        let path = path.as_ref();
        let io = |action: &'static str| {
            move |source| Error::Io {
                action,
                path: path.to_path_buf(),
                source,
            }
        };
        // The digest first, reading the file once in chunks: LoRAs run to gigabytes.
        let mut file = tokio::fs::File::open(path).await.map_err(io("opening"))?;
        let mut hasher = md5::Md5::new();
        let mut buffer = vec![0u8; 1 << 20];
        let mut size = 0u64;
        loop {
            let n = file.read(&mut buffer).await.map_err(io("reading"))?;
            if n == 0 {
                break;
            }
            hasher.update(&buffer[..n]);
            size += n as u64;
        }
        let md5: String = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let name = match name {
            Some(name) => name.to_owned(),
            None => path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
        };
        let target = self
            .lora_upload_url(&types::LoraUploadUrlBody {
                lora_name: name,
                md5_hex: md5.clone(),
            })
            .await?;
        let file = tokio::fs::File::open(path).await.map_err(io("opening"))?;
        let body = reqwest::Body::wrap_stream(tokio_util::io::ReaderStream::new(file));
        let request = self
            .files
            .put(&target.url)
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .header(reqwest::header::CONTENT_LENGTH, size)
            .body(body);
        let response = self.execute(request, Audience::Storage).await?;
        if !response.status().is_success() {
            return Err(crate::client::http_error(response).await);
        }
        Ok(UploadedLora {
            file_name: target.file_name,
            md5,
            size,
        })
    }
}
