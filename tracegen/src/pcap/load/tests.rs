//! Each loader yields exactly the file's bytes, in order, whatever the file's size against its
//! buffers; each falls back to `read` where it cannot work, saying why.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::*;

const PAGE: usize = 4096;

/// Tuning with one-page buffers and windows, so small files cross many of them.
fn small() -> LoadTuning {
    LoadTuning {
        #[cfg(target_os = "linux")]
        uring: UringTuning { buffers: 3, buffer_len: PAGE, ..UringTuning::stream() },
        mmap_window: PAGE,
        mmap_populate: false,
        read_buffer_len: PAGE,
    }
}

/// Bytes that differ from offset to offset (a misplaced chunk shows).
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i ^ (i >> 8) ^ (i >> 16)) as u8).collect()
}

fn write(dir: &Path, len: usize) -> (PathBuf, Vec<u8>) {
    let path = dir.join(format!("f{len}"));
    let data = pattern(len);
    std::fs::write(&path, &data).expect("write test file");
    (path, data)
}

/// Every chunk of a source, concatenated; checks that none is empty.
fn drain(source: &mut dyn ByteSource) -> std::io::Result<Vec<u8>> {
    let mut all = Vec::new();
    while let Some(chunk) = source.next_chunk()? {
        assert!(!chunk.is_empty(), "empty chunk");
        all.extend_from_slice(chunk);
    }
    // The end stays the end.
    assert!(source.next_chunk()?.is_none());
    Ok(all)
}

#[test]
fn names_round_trip_and_unknown_names_list_valid_ones() {
    for l in Loader::ALL {
        assert_eq!(l.name().parse::<Loader>(), Ok(l));
        assert_eq!(l.to_string(), l.name());
    }
    assert_eq!(Loader::default(), Loader::IoUring);
    assert_eq!(
        "uring".parse::<Loader>().unwrap_err(),
        "unknown loader \"uring\": expected one of io_uring, mmap, read"
    );
    assert_eq!(serde_name(Loader::IoUring), "io_uring");
}

/// The serde name of a loader (what results files hold), through the TOML serialiser.
fn serde_name(l: Loader) -> String {
    #[derive(Serialize)]
    struct W {
        l: Loader,
    }
    let s = toml::to_string(&W { l }).expect("serialise");
    s.trim().trim_start_matches("l = ").trim_matches('"').to_owned()
}

#[test]
fn chunks_concatenate_to_the_file_for_every_size() {
    let dir = tempfile::tempdir().unwrap();
    let sizes = [0, 1, PAGE - 1, PAGE, PAGE + 1, 3 * PAGE, 3 * PAGE + 1, 7 * PAGE + 123, 100_003];
    for len in sizes {
        let (path, data) = write(dir.path(), len);
        for loader in Loader::ALL {
            for tuning in [small(), LoadTuning::stream(), LoadTuning::preload()] {
                let (mut source, used) = open_tuned(&path, loader, &tuning).unwrap();
                assert_eq!(used, LoaderUsed { loader, fallback_reason: None });
                assert_eq!(source.size_hint(), len as u64);
                let got = drain(source.as_mut()).unwrap();
                assert!(got == data, "{loader} read {} of {len} bytes wrongly", got.len());
            }
        }
    }
}

#[test]
fn chunks_have_the_buffer_size_until_the_last() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = write(dir.path(), 5 * PAGE + 10);
    for loader in Loader::ALL {
        let (mut source, _) = open_tuned(&path, loader, &small()).unwrap();
        let mut lens = Vec::new();
        while let Some(c) = source.next_chunk().unwrap() {
            lens.push(c.len());
        }
        assert_eq!(lens, [PAGE, PAGE, PAGE, PAGE, PAGE, 10], "{loader}");
    }
}

#[test]
fn a_file_is_read_to_its_end_even_if_it_grew_after_open() {
    let dir = tempfile::tempdir().unwrap();
    for loader in Loader::ALL {
        let (path, mut data) = write(dir.path(), 2 * PAGE + 5);
        let (mut source, _) = open_tuned(&path, loader, &small()).unwrap();
        let first = source.next_chunk().unwrap().unwrap().to_vec();
        let more = pattern(9 * PAGE + 3);
        let mut f = File::options().append(true).open(&path).unwrap();
        f.write_all(&more[..]).unwrap();
        data.extend_from_slice(&more);
        let mut got = first;
        got.extend(drain(source.as_mut()).unwrap());
        assert!(got == data, "{loader}: {} of {} bytes", got.len(), data.len());
    }
}

#[test]
fn a_source_dropped_midway_waits_for_its_reads() {
    let dir = tempfile::tempdir().unwrap();
    let (path, data) = write(dir.path(), 50 * PAGE);
    for loader in Loader::ALL {
        for stop_after in 0..4 {
            let (mut source, _) = open_tuned(&path, loader, &small()).unwrap();
            for i in 0..stop_after {
                let c = source.next_chunk().unwrap().unwrap();
                assert_eq!(c, &data[i * PAGE..(i + 1) * PAGE]);
            }
            drop(source);
        }
    }
}

#[cfg(target_os = "linux")]
#[test]
fn io_uring_falls_back_to_read_where_the_ring_cannot_be_set_up() {
    let dir = tempfile::tempdir().unwrap();
    let (path, data) = write(dir.path(), 3 * PAGE + 1);
    for (errno, reason) in [
        (libc::ENOSYS, "io_uring_setup failed: Function not implemented (os error 38)"),
        (libc::EPERM, "io_uring_setup failed: Operation not permitted (os error 1)"),
    ] {
        let mut tuning = small();
        tuning.uring.fail_setup_with_errno = Some(errno);
        let (mut source, used) = open_tuned(&path, Loader::IoUring, &tuning).unwrap();
        assert_eq!(
            used,
            LoaderUsed { loader: Loader::Read, fallback_reason: Some(reason.to_owned()) }
        );
        assert_eq!(
            used.fallback_message(Loader::IoUring).unwrap(),
            format!("loader io_uring unavailable ({reason}); reading with read")
        );
        assert!(drain(source.as_mut()).unwrap() == data);
    }
}

#[cfg(unix)]
#[test]
fn loaders_that_read_at_offsets_fall_back_on_a_fifo() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    let c_path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo touches no memory of ours.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    let data = pattern(5 * PAGE + 17);
    for loader in Loader::ALL {
        let writer = {
            let (fifo, data) = (fifo.clone(), data.clone());
            // Opening a FIFO for reading waits for a writer, and the other way round.
            std::thread::spawn(move || {
                let mut f = File::options().write(true).open(fifo).unwrap();
                f.write_all(&data).unwrap();
            })
        };
        let (mut source, used) = open_tuned(&fifo, loader, &small()).unwrap();
        let want_reason = (loader != Loader::Read).then(|| "not a regular file".to_owned());
        assert_eq!(used, LoaderUsed { loader: Loader::Read, fallback_reason: want_reason });
        assert!(drain(source.as_mut()).unwrap() == data, "{loader}");
        writer.join().unwrap();
    }
}

#[test]
fn dev_null_reads_as_empty_with_every_loader() {
    for loader in Loader::ALL {
        let (mut source, used) = open(Path::new("/dev/null"), loader).unwrap();
        assert_eq!(used.loader, Loader::Read);
        assert_eq!(used.fallback_reason.is_some(), loader != Loader::Read);
        assert!(drain(source.as_mut()).unwrap().is_empty());
    }
}

#[test]
fn a_missing_file_is_an_error_not_a_fallback() {
    for loader in Loader::ALL {
        let err = open(Path::new("/nonexistent/x.pcap"), loader).err().unwrap();
        assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    }
}

#[test]
fn a_read_error_is_reported_at_the_first_chunk() {
    // A directory opens, but reading it fails (EISDIR); loaders that need a regular file
    // fall back to read, which reports the error.
    let dir = tempfile::tempdir().unwrap();
    for loader in Loader::ALL {
        let (mut source, _) = open(dir.path(), loader).unwrap();
        let err = source.next_chunk().unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EISDIR), "{loader}");
    }
    // A file opened for writing only: every loader's first read fails.
    let (path, _) = write(dir.path(), 3 * PAGE);
    for loader in Loader::ALL {
        let file = File::options().write(true).open(&path).unwrap();
        let mut source: Box<dyn ByteSource> = match open_with(&file, loader, &small()) {
            Ok(s) => s,
            Err(e) => panic!("{loader}: {e:?}"),
        };
        let err = source.next_chunk().unwrap_err();
        let want = if loader == Loader::Mmap { libc::EACCES } else { libc::EBADF };
        assert_eq!(err.raw_os_error(), Some(want), "{loader}");
    }
}

/// A source that serves a file's first `good` bytes in chunks of `chunk`, then fails.
struct FailsAfter {
    data: Vec<u8>,
    chunk: usize,
    good: usize,
    pos: usize,
}

impl ByteSource for FailsAfter {
    fn next_chunk(&mut self) -> std::io::Result<Option<&[u8]>> {
        if self.pos >= self.good {
            return Err(std::io::Error::from_raw_os_error(libc::EIO));
        }
        let end = (self.pos + self.chunk).min(self.good);
        let start = std::mem::replace(&mut self.pos, end);
        Ok(Some(&self.data[start..end]))
    }

    fn size_hint(&self) -> u64 {
        self.data.len() as u64
    }
}

#[test]
fn an_error_midway_names_the_file_and_the_offset_reading_stopped_at() {
    use crate::pcap::{CaptureError, CaptureReader};
    // A pcap header and records of 16 + 44 bytes.
    let mut data = Vec::new();
    data.extend_from_slice(&0xa1b2_3c4du32.to_le_bytes());
    data.extend_from_slice(&[2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    data.extend_from_slice(&65535u32.to_le_bytes());
    data.extend_from_slice(&1u32.to_le_bytes());
    for i in 0..1000u32 {
        for v in [i, 0, 44, 60] {
            data.extend_from_slice(&v.to_le_bytes());
        }
        data.extend_from_slice(&[i as u8; 44]);
    }
    let source = FailsAfter { data, chunk: 1000, good: 7000, pos: 0 };
    let path = Path::new("dir/broken.pcap");
    let mut reader =
        CaptureReader::from_source(path, Box::new(source), LoaderUsed::default(), false);
    let mut frames = wire::FrameBuffer::new();
    let err = loop {
        match reader.read_batch(&mut frames, 1) {
            Ok(0) => panic!("no error"),
            Ok(_) => {}
            Err(e) => break e,
        }
    };
    assert!(matches!(err, CaptureError::Io { offset: 7000, .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.starts_with("dir/broken.pcap: ") && msg.contains("byte offset 7000"), "{msg}");
    // Every record before the failed chunk was read.
    assert_eq!(frames.len(), (7000 - 24) / 60);
}
