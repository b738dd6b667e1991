//! The `read` loader: `read(2)` into one reused buffer, refilled whole each time.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use super::ByteSource;

/// Size of the buffer: large enough that the system call cost is small per byte, small enough
/// to stay in the cache while the chunk is decoded.
pub const READ_CHUNK_LEN: usize = 1 << 20;

/// A file read through one reused buffer.
pub struct ReadSource {
    file: File,
    buf: Vec<u8>,
    size: u64,
    eof: bool,
}

impl ReadSource {
    /// Opens `path`.
    ///
    /// # Errors
    /// The file cannot be opened.
    pub fn open(path: &Path) -> io::Result<Self> {
        let file = File::open(path)?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        Ok(Self { file, buf: vec![0; READ_CHUNK_LEN], size, eof: false })
    }
}

impl ByteSource for ReadSource {
    fn next_chunk(&mut self) -> io::Result<Option<&[u8]>> {
        if self.eof {
            return Ok(None);
        }
        let mut end = 0;
        while end < self.buf.len() {
            match self.file.read(&mut self.buf[end..]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => end += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok((end > 0).then(|| &self.buf[..end]))
    }

    fn size_hint(&self) -> u64 {
        self.size
    }
}
