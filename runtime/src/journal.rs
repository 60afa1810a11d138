//! The batch journal: an append-only file of JSON lines, each written and fsynced before
//! the step it records is relied on, from which a killed batch resumes.
//!
//! Per input, in order: `submitting` (before the submit is sent), then `submitted` with the
//! task id, or `notSubmitted` (RunningHub certainly created nothing), or `unknown` (the
//! request may have created a task; the answer was lost); and at the end `succeeded` (the
//! task object, and the files saved if any) or `failed`. A `submitting` line not followed
//! by any of these means the process died while the submit was in flight: its outcome is
//! unknown. Only the last line can be torn (lines are fsynced one by one), and a torn last
//! line is ignored.

use crate::error::{BatchError, Error};
use crate::types;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The first line of every journal.
const FORMAT: &str = "runninghub-batch-journal";
const VERSION: u32 = 1;

/// One line of the journal.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(
    tag = "event",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub(crate) enum Entry {
    /// The header: what the journal is, how many inputs its batch had, and the API its
    /// tasks live at (the client's base URL; absent in journals written before it was
    /// recorded, which are then not checked).
    Start {
        format: String,
        version: u32,
        inputs: usize,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        base_url: Option<String>,
    },
    /// A submit of input `i` is about to be sent. `input` fingerprints the input.
    Submitting { i: usize, input: String },
    /// Input `i` became task `task_id`.
    Submitted { i: usize, task_id: String },
    /// Input `i` was refused and created nothing; a later run submits it again.
    NotSubmitted { i: usize, error: String },
    /// The submit of input `i` was sent and its answer lost.
    Unknown { i: usize, error: String },
    /// Input `i`'s task succeeded; `files` lists what was saved (`None`: not downloaded).
    Succeeded {
        i: usize,
        task: Box<types::Task>,
        files: Option<Vec<PathBuf>>,
    },
    /// Input `i`'s task ended without results.
    Failed {
        i: usize,
        task_id: String,
        code: String,
        error: String,
    },
}

/// Where an input stands according to the journal.
#[derive(Debug, Clone, Default)]
pub(crate) enum State {
    /// Never submitted, or refused without creating anything.
    #[default]
    Fresh,
    /// A submit was sent and its outcome is unknown.
    Unknown { error: String },
    /// A task exists; its end was not recorded.
    Submitted { task_id: String },
    /// Finished with results.
    Succeeded {
        task: Box<types::Task>,
        files: Option<Vec<PathBuf>>,
    },
    /// Finished without results.
    Failed {
        task_id: String,
        code: String,
        error: String,
    },
}

/// An open journal.
#[derive(Debug, Clone)]
pub(crate) struct Journal {
    file: Arc<Mutex<std::fs::File>>,
    path: PathBuf,
}

/// A fingerprint of an input (FNV-1a of its operation and compact JSON body), to notice a
/// journal reused with different inputs.
pub(crate) fn fingerprint(operation: &str, body: &serde_json::Value) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let text = format!("{operation}\n{body}");
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> Error + 'a {
    move |source| Error::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

fn corrupt(path: &Path, line: usize, why: impl std::fmt::Display) -> Error {
    Error::Batch(BatchError::Journal(format!(
        "{} line {line}: {why}",
        path.display()
    )))
}

impl Journal {
    /// Opens (or creates) the journal of a batch of `inputs` inputs with these
    /// fingerprints, run against the API at `base_url`, and returns the state of every
    /// input. Fails when the journal belongs to another batch, or its tasks live at another
    /// API (their ids mean nothing there, and their results would be reported without a
    /// request).
    pub(crate) fn open(
        path: &Path,
        fingerprints: &[String],
        base_url: &str,
    ) -> Result<(Journal, Vec<State>), Error> {
        let mut states = vec![State::Fresh; fingerprints.len()];
        let existing = match std::fs::read(path) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(io("reading", path)(e)),
        };
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(io("opening", path))?;
        let mut needs_header = true;
        if let Some(mut bytes) = existing {
            // A torn last line (the process died while writing it; nothing relied on it
            // yet) is cut off, so the next entry starts on a line of its own.
            if !bytes.is_empty() && !bytes.ends_with(b"\n") {
                let keep = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |n| n + 1);
                bytes.truncate(keep);
                file.set_len(keep as u64).map_err(io("truncating", path))?;
            }
            let text = String::from_utf8_lossy(&bytes);
            for (n, line) in text.lines().enumerate() {
                let entry = serde_json::from_str::<Entry>(line).map_err(|e| match n {
                    0 => corrupt(path, 1, format!("not a batch journal ({e})")),
                    _ => corrupt(path, n + 1, e),
                })?;
                if n == 0 {
                    match entry {
                        Entry::Start {
                            format,
                            version,
                            inputs,
                            base_url: recorded,
                        } if format == FORMAT && version == VERSION => {
                            if inputs != fingerprints.len() {
                                return Err(corrupt(
                                    path,
                                    1,
                                    format!(
                                        "the journal is of a batch of {inputs} inputs, this batch has {}",
                                        fingerprints.len()
                                    ),
                                ));
                            }
                            if let Some(recorded) = recorded
                                && recorded.trim_end_matches('/') != base_url.trim_end_matches('/')
                            {
                                return Err(Error::Batch(BatchError::Journal(format!(
                                    "{} records tasks created at {recorded}, and this client talks to {base_url}: \
                                     resume it against {recorded}, or use another journal",
                                    path.display()
                                ))));
                            }
                            needs_header = false;
                            continue;
                        }
                        _ => return Err(corrupt(path, 1, "not a batch journal")),
                    }
                }
                apply(&mut states, &entry, fingerprints)
                    .map_err(|why| corrupt(path, n + 1, why))?;
            }
        }
        let journal = Journal {
            file: Arc::new(Mutex::new(file)),
            path: path.to_path_buf(),
        };
        if needs_header {
            journal.write_blocking(&Entry::Start {
                format: FORMAT.into(),
                version: VERSION,
                inputs: fingerprints.len(),
                base_url: Some(base_url.to_owned()),
            })?;
        }
        Ok((journal, states))
    }

    fn write_blocking(&self, entry: &Entry) -> Result<(), Error> {
        let mut line = serde_json::to_vec(entry).expect("journal entries serialize");
        line.push(b'\n');
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        file.write_all(&line).map_err(io("writing", &self.path))?;
        file.sync_data().map_err(io("syncing", &self.path))
    }

    /// Appends `entry` and waits until it is on disk.
    pub(crate) async fn append(&self, entry: Entry) -> Result<(), Error> {
        let journal = self.clone();
        tokio::task::spawn_blocking(move || journal.write_blocking(&entry))
            .await
            .map_err(|e| {
                Error::Batch(BatchError::Journal(format!(
                    "the journal writer stopped: {e}"
                )))
            })?
    }
}

/// Folds one entry into the states.
fn apply(states: &mut [State], entry: &Entry, fingerprints: &[String]) -> Result<(), String> {
    let i = match entry {
        Entry::Start { .. } => return Err("a second header".into()),
        Entry::Submitting { i, .. }
        | Entry::Submitted { i, .. }
        | Entry::NotSubmitted { i, .. }
        | Entry::Unknown { i, .. }
        | Entry::Succeeded { i, .. }
        | Entry::Failed { i, .. } => *i,
    };
    let state = states
        .get_mut(i)
        .ok_or_else(|| format!("input {i} is beyond the batch"))?;
    *state = match entry.clone() {
        Entry::Submitting { input, .. } => {
            if input != fingerprints[i] {
                return Err(format!(
                    "input {i} differs from the one this journal recorded; use a new journal for a changed batch"
                ));
            }
            State::Unknown {
                error: "the process stopped while the submit was in flight".into(),
            }
        }
        Entry::Submitted { task_id, .. } => State::Submitted { task_id },
        Entry::NotSubmitted { .. } => State::Fresh,
        Entry::Unknown { error, .. } => State::Unknown { error },
        Entry::Succeeded { task, files, .. } => State::Succeeded { task, files },
        Entry::Failed {
            task_id,
            code,
            error,
            ..
        } => State::Failed {
            task_id,
            code,
            error,
        },
        Entry::Start { .. } => unreachable!("handled above"),
    };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HERE: &str = "https://www.runninghub.ai";

    fn fps(n: usize) -> Vec<String> {
        (0..n)
            .map(|i| fingerprint("op", &serde_json::json!({ "i": i })))
            .collect()
    }

    #[test]
    fn states_follow_the_entries_and_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let fps = fps(4);
        let (journal, states) = Journal::open(&path, &fps, HERE).unwrap();
        assert!(states.iter().all(|s| matches!(s, State::Fresh)));
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            for (i, fp) in fps.iter().enumerate().take(3) {
                journal
                    .append(Entry::Submitting {
                        i,
                        input: fp.clone(),
                    })
                    .await
                    .unwrap();
            }
            journal
                .append(Entry::Submitted {
                    i: 0,
                    task_id: "t0".into(),
                })
                .await
                .unwrap();
            journal
                .append(Entry::NotSubmitted {
                    i: 1,
                    error: "1003".into(),
                })
                .await
                .unwrap();
        });
        drop(journal);
        let (_, states) = Journal::open(&path, &fps, HERE).unwrap();
        assert!(matches!(&states[0], State::Submitted { task_id } if task_id == "t0"));
        assert!(
            matches!(states[1], State::Fresh),
            "refused: submitted again later"
        );
        assert!(
            matches!(states[2], State::Unknown { .. }),
            "{:?}",
            states[2]
        );
        assert!(matches!(states[3], State::Fresh));
    }

    #[test]
    fn a_torn_last_line_is_ignored_and_later_entries_start_on_a_new_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let fps = fps(2);
        drop(Journal::open(&path, &fps, HERE).unwrap());
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str(r#"{"event":"submitted","i":0,"taskId":"t"#);
        std::fs::write(&path, &text).unwrap();
        let (journal, states) = Journal::open(&path, &fps, HERE).unwrap();
        assert!(states.iter().all(|s| matches!(s, State::Fresh)));
        journal
            .write_blocking(&Entry::Submitted {
                i: 1,
                task_id: "t1".into(),
            })
            .unwrap();
        let (_, states) = Journal::open(&path, &fps, HERE).unwrap();
        assert!(matches!(&states[1], State::Submitted { task_id } if task_id == "t1"));
    }

    #[test]
    fn a_journal_of_another_batch_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let (journal, _) = Journal::open(&path, &fps(2), HERE).unwrap();
        journal
            .write_blocking(&Entry::Submitting {
                i: 0,
                input: fps(2)[0].clone(),
            })
            .unwrap();
        let err = Journal::open(&path, &fps(3), HERE).unwrap_err().to_string();
        assert!(err.contains("batch of 2 inputs, this batch has 3"), "{err}");
        let other: Vec<String> = fps(2).into_iter().rev().collect();
        let err = Journal::open(&path, &other, HERE).unwrap_err().to_string();
        assert!(err.contains("input 0 differs"), "{err}");
        std::fs::write(&path, "{\"hello\": 1}\n").unwrap();
        let err = Journal::open(&path, &fps(2), HERE).unwrap_err().to_string();
        assert!(err.contains("not a batch journal"), "{err}");
        std::fs::write(
            dir.path().join("mid.jsonl"),
            format!(
                "{}\nnot json\n{{}}\n",
                serde_json::to_string(&Entry::Start {
                    format: FORMAT.into(),
                    version: VERSION,
                    inputs: 2,
                    base_url: None,
                })
                .unwrap()
            ),
        )
        .unwrap();
        let err = Journal::open(&dir.path().join("mid.jsonl"), &fps(2), HERE)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 2"),
            "a corrupt line before the last: {err}"
        );
    }

    #[test]
    fn a_journal_of_tasks_elsewhere_is_refused_and_an_older_one_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let (journal, _) = Journal::open(&path, &fps(1), "http://127.0.0.1:4000").unwrap();
        journal
            .write_blocking(&Entry::Submitted {
                i: 0,
                task_id: "t0".into(),
            })
            .unwrap();
        drop(journal);
        let err = Journal::open(&path, &fps(1), HERE).unwrap_err().to_string();
        assert!(
            err.contains("records tasks created at http://127.0.0.1:4000")
                && err.contains(&format!("this client talks to {HERE}")),
            "{err}"
        );
        // The same place, spelled with a trailing slash, is the same place.
        let (_, states) = Journal::open(&path, &fps(1), "http://127.0.0.1:4000/").unwrap();
        assert!(matches!(&states[0], State::Submitted { task_id } if task_id == "t0"));
        // A journal from before the place was recorded is read as it is.
        let old = dir.path().join("old.jsonl");
        std::fs::write(
            &old,
            format!(
                "{{\"event\":\"start\",\"format\":\"{FORMAT}\",\"version\":{VERSION},\"inputs\":1}}\n"
            ),
        )
        .unwrap();
        assert!(Journal::open(&old, &fps(1), HERE).is_ok());
    }
}
