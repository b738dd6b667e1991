//! Loaders: how a capture file's bytes get from the disk (or the page cache) into memory, as a
//! sequence of chunks in file order that [`super::CaptureReader`] decodes.
//!
//! Every loader implements [`ByteSource`]; [`open`] builds the one a [`Loader`] names.

mod read;

use std::fmt;
use std::io;
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use read::{READ_CHUNK_LEN, ReadSource};

/// A file's bytes, in order, in chunks.
pub trait ByteSource {
    /// The next chunk (never empty), or `None` at the end of the file. The chunk is borrowed
    /// until the next call.
    ///
    /// # Errors
    /// What the operating system reports.
    fn next_chunk(&mut self) -> io::Result<Option<&[u8]>>;

    /// The file's size when it was opened (a hint: the file is read to its end whatever it
    /// says).
    fn size_hint(&self) -> u64;
}

/// How to load a capture file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Loader {
    /// `read(2)` through one reused buffer.
    #[default]
    Read,
}

impl Loader {
    /// Every loader, in the order error messages list them.
    pub const ALL: [Loader; 1] = [Loader::Read];

    /// The loader's name as the command line takes it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Read => "read",
        }
    }
}

impl fmt::Display for Loader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Loader {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|l| l.name() == s).ok_or_else(|| {
            let names: Vec<_> = Self::ALL.iter().map(|l| l.name()).collect();
            format!("unknown loader {s:?}: expected one of {}", names.join(", "))
        })
    }
}

/// The loader a read actually used, and why it differs from the one asked for.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoaderUsed {
    /// The loader that read the file.
    pub loader: Loader,
    /// Why it is not the one asked for (`None` when it is).
    pub fallback_reason: Option<String>,
}

/// Opens `path` with `loader`.
///
/// # Errors
/// The file cannot be opened.
pub fn open(path: &Path, loader: Loader) -> io::Result<(Box<dyn ByteSource>, LoaderUsed)> {
    match loader {
        Loader::Read => Ok((Box::new(ReadSource::open(path)?), LoaderUsed::default())),
    }
}
