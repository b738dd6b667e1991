//! Whole reads through each loader equal a read of the same bytes in memory, for a generated
//! trace, a truncated one and one crossing many loader buffers; a loader that cannot work falls
//! back and says so; I/O errors name the file and the offset.

use std::path::Path;

use tracegen::pcap::{
    CaptureError, CaptureReader, Loader, LoaderUsed, ReadOptions, TsResolution, read_bytes,
    read_file, write_file,
};
use tracegen::{GenConfig, Profile, generate};
use wire::LinkType;

fn trace_bytes(packets: u64) -> Vec<u8> {
    let frames = generate(&GenConfig::new(Profile::CaidaLike, packets, 3)).expect("generate");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("g.pcap");
    write_file(&path, &frames, LinkType::Ethernet, 78, TsResolution::Nano).expect("write");
    std::fs::read(&path).unwrap()
}

fn check_every_loader(dir: &Path, name: &str, data: &[u8]) {
    let path = dir.join(name);
    std::fs::write(&path, data).unwrap();
    for strict in [false, true] {
        let want = read_bytes(
            &path.display().to_string(),
            data,
            &ReadOptions { strict, ..Default::default() },
        );
        for loader in Loader::ALL {
            let got = read_file(&path, &ReadOptions { strict, loader });
            match (&want, got) {
                (Ok(w), Ok(g)) => {
                    assert_eq!(g.info.loader, LoaderUsed { loader, fallback_reason: None });
                    assert!(w.frames == g.frames, "{name} {loader}: frames differ");
                    let mut gi = g.info.clone();
                    gi.loader = w.info.loader.clone();
                    assert_eq!(w.info, gi, "{name} {loader}");
                }
                (Err(w), Err(g)) => assert_eq!(w.to_string(), g.to_string(), "{name} {loader}"),
                (w, g) => panic!(
                    "{name} {loader}: {:?} vs {:?}",
                    w.as_ref().map(|c| c.frames.len()),
                    g.map(|c| c.frames.len())
                ),
            }
        }
    }
}

#[test]
fn read_file_with_each_loader_equals_read_bytes() {
    let dir = tempfile::tempdir().unwrap();
    // About 9 MB: more than the io_uring loader's buffers (8 x 1 MiB) and the mmap window.
    let data = trace_bytes(100_000);
    assert!(data.len() > 8 << 20);
    check_every_loader(dir.path(), "whole.pcap", &data);
    // Cut inside a record header, inside a record's data, and on a buffer boundary.
    for cut in [data.len() - 3, data.len() - 80, (1 << 20) + 5, 1 << 20, 24 + 7, 10] {
        check_every_loader(dir.path(), &format!("cut{cut}.pcap"), &data[..cut]);
    }
}

#[test]
fn a_directory_is_an_io_error_naming_the_file_and_offset_with_every_loader() {
    let dir = tempfile::tempdir().unwrap();
    for loader in Loader::ALL {
        let err = read_file(dir.path(), &ReadOptions { strict: false, loader }).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, CaptureError::Io { offset: 0, .. }), "{loader}: {msg}");
        assert!(msg.contains(&*dir.path().to_string_lossy()), "{msg}");
        assert!(msg.contains("byte offset 0"), "{msg}");
        // The fallback said why it was needed.
        if loader != Loader::Read {
            let reader =
                CaptureReader::open(dir.path(), &ReadOptions { strict: false, loader }).unwrap();
            assert_eq!(reader.loader().fallback_reason.as_deref(), Some("not a regular file"));
        }
    }
}
