//! Loaders: how a capture file's bytes get from the disk (or the page cache) into memory, as a
//! sequence of chunks in file order that [`super::CaptureReader`] decodes.
//!
//! Every loader implements [`ByteSource`]; [`open`] builds the one a [`Loader`] names, and
//! falls back to `read(2)` where that loader cannot work here, saying why in
//! [`LoaderUsed::fallback_reason`]:
//!
//! - [`Loader::IoUring`] (the default, [`UringSource`]): several reads in flight at successive
//!   offsets into reused buffers. Unavailable where the kernel has no io_uring (`ENOSYS`), where
//!   a seccomp filter or `kernel.io_uring_disabled` forbids it (`EPERM`), and for files that are
//!   not regular files (pipes, `/dev/stdin`: reads at offsets need a seekable file).
//! - [`Loader::Mmap`] ([`MmapSource`]): the file mapped a window at a time. Unavailable for files
//!   that are not regular files.
//! - [`Loader::Read`] ([`ReadSource`]): `read(2)` through one reused buffer; works on anything.
//!
//! Buffer sizes differ between streaming (bounded memory: [`LoadTuning::stream`]) and reading a
//! whole file into memory ([`LoadTuning::preload`], which [`super::read_file`] uses).

mod mmap;
mod read;
#[cfg(target_os = "linux")]
mod uring;

use std::fmt;
use std::fs::File;
use std::io;
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use mmap::{MMAP_WINDOW_LEN, MmapSource};
pub use read::{READ_CHUNK_LEN, ReadSource};
#[cfg(target_os = "linux")]
pub use uring::{UringSource, UringTuning};

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
    /// io_uring: several reads in flight into reused buffers.
    #[default]
    IoUring,
    /// `mmap(2)`, a window of the file at a time.
    Mmap,
    /// `read(2)` through one reused buffer.
    Read,
}

impl Loader {
    /// Every loader, in the order error messages list them.
    pub const ALL: [Loader; 3] = [Loader::IoUring, Loader::Mmap, Loader::Read];

    /// The loader's name as the command line takes it.
    pub fn name(self) -> &'static str {
        match self {
            Self::IoUring => "io_uring",
            Self::Mmap => "mmap",
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

impl LoaderUsed {
    /// The line a command prints where the loader asked for fell back (`None` where it did
    /// not): `loader io_uring unavailable (REASON); reading with read`.
    pub fn fallback_message(&self, asked: Loader) -> Option<String> {
        self.fallback_reason.as_ref().map(|reason| {
            format!("loader {asked} unavailable ({reason}); reading with {}", self.loader)
        })
    }
}

/// How the loaders size their buffers. [`stream`](Self::stream) bounds memory whatever the
/// file's size; [`preload`](Self::preload) reads a whole file as fast as it can.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadTuning {
    /// The io_uring loader's buffers and reads.
    #[cfg(target_os = "linux")]
    pub uring: UringTuning,
    /// Bytes of the file the mmap loader maps at a time (rounded up to whole pages);
    /// `usize::MAX` maps the whole file at once.
    pub mmap_window: usize,
    /// Whether the mmap loader asks for every page of a window up front (`MAP_POPULATE`)
    /// rather than faulting them in as they are read. Measured on a 256 MiB trace, it streamed
    /// 10% faster warm and 1.8 times as fast cold (one large read of the window instead of
    /// page faults and growing readahead).
    pub mmap_populate: bool,
    /// Size of the read loader's buffer.
    pub read_buffer_len: usize,
}

impl LoadTuning {
    /// Bounded memory: 8 MiB of buffers (a 16 MiB window for mmap), whatever the file's size.
    pub fn stream() -> Self {
        Self {
            #[cfg(target_os = "linux")]
            uring: UringTuning::stream(),
            mmap_window: MMAP_WINDOW_LEN,
            mmap_populate: true,
            read_buffer_len: READ_CHUNK_LEN,
        }
    }

    /// A whole file into memory ([`super::read_file`]).
    pub fn preload() -> Self {
        Self {
            #[cfg(target_os = "linux")]
            uring: UringTuning::preload(),
            mmap_window: MMAP_WINDOW_LEN,
            mmap_populate: true,
            read_buffer_len: READ_CHUNK_LEN,
        }
    }
}

impl Default for LoadTuning {
    fn default() -> Self {
        Self::stream()
    }
}

/// Why a loader cannot read a file it was asked to.
#[derive(Debug)]
pub(crate) enum OpenError {
    /// The file itself cannot be opened or examined: no loader can read it.
    File(io::Error),
    /// This loader cannot work here, for the reason given; `read(2)` may.
    Unavailable(String),
}

impl From<io::Error> for OpenError {
    fn from(e: io::Error) -> Self {
        Self::File(e)
    }
}

/// Opens `path` with `loader`, tuned for streaming ([`LoadTuning::stream`]); where `loader`
/// cannot work here, opens it with [`Loader::Read`] and says why in the [`LoaderUsed`].
///
/// # Errors
/// The file cannot be opened.
pub fn open(path: &Path, loader: Loader) -> io::Result<(Box<dyn ByteSource>, LoaderUsed)> {
    open_tuned(path, loader, &LoadTuning::stream())
}

/// [`open`] with the buffer sizes of `tuning`.
///
/// # Errors
/// The file cannot be opened.
pub fn open_tuned(
    path: &Path,
    loader: Loader,
    tuning: &LoadTuning,
) -> io::Result<(Box<dyn ByteSource>, LoaderUsed)> {
    let file = File::open(path)?;
    let fallback_reason = match open_with(&file, loader, tuning) {
        Ok(source) => return Ok((source, LoaderUsed { loader, fallback_reason: None })),
        Err(OpenError::File(e)) => return Err(e),
        Err(OpenError::Unavailable(reason)) => reason,
    };
    let source = ReadSource::from_file(file, tuning.read_buffer_len);
    Ok((
        Box::new(source),
        LoaderUsed { loader: Loader::Read, fallback_reason: Some(fallback_reason) },
    ))
}

/// The source `loader` reads `file` with, if it can.
fn open_with(
    file: &File,
    loader: Loader,
    tuning: &LoadTuning,
) -> Result<Box<dyn ByteSource>, OpenError> {
    match loader {
        #[cfg(target_os = "linux")]
        Loader::IoUring => Ok(Box::new(UringSource::from_file(file.try_clone()?, &tuning.uring)?)),
        #[cfg(not(target_os = "linux"))]
        Loader::IoUring => Err(OpenError::Unavailable("io_uring is Linux only".into())),
        Loader::Mmap => Ok(Box::new(MmapSource::from_file(
            file.try_clone()?,
            tuning.mmap_window,
            tuning.mmap_populate,
        )?)),
        Loader::Read => {
            Ok(Box::new(ReadSource::from_file(file.try_clone()?, tuning.read_buffer_len)))
        }
    }
}

/// Whether `file` is a regular file (the loaders that read at offsets need one).
fn require_regular_file(file: &File) -> Result<u64, OpenError> {
    let meta = file.metadata()?;
    if meta.file_type().is_file() {
        Ok(meta.len())
    } else {
        Err(OpenError::Unavailable("not a regular file".into()))
    }
}

#[cfg(test)]
mod tests;
