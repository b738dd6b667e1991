//! pcapng files built by hand for tests: block by block, each section in its own byte order,
//! with any field (lengths included) set to what a test needs.

/// A pcapng file under construction.
#[derive(Clone, Debug, Default)]
pub(crate) struct PcapngFile {
    /// The bytes so far.
    pub(crate) bytes: Vec<u8>,
    /// Byte order of the current section.
    pub(crate) big: bool,
}

impl PcapngFile {
    /// An empty file.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    pub(crate) fn u16b(&self, v: u16) -> [u8; 2] {
        if self.big { v.to_be_bytes() } else { v.to_le_bytes() }
    }

    pub(crate) fn u32b(&self, v: u32) -> [u8; 4] {
        if self.big { v.to_be_bytes() } else { v.to_le_bytes() }
    }

    /// Appends a block of `block_type` with `body` padded to 32 bits and both total lengths.
    pub(crate) fn block(&mut self, block_type: u32, body: &[u8]) -> &mut Self {
        let mut padded = body.to_vec();
        padded.resize(body.len().div_ceil(4) * 4, 0);
        let total = (12 + padded.len()) as u32;
        self.raw_block(block_type, total, &padded, total)
    }

    /// Appends a block with the given lengths and body, as is.
    pub(crate) fn raw_block(
        &mut self,
        block_type: u32,
        leading: u32,
        body: &[u8],
        trailing: u32,
    ) -> &mut Self {
        let (t, l, tr) = (self.u32b(block_type), self.u32b(leading), self.u32b(trailing));
        self.bytes.extend_from_slice(&t);
        self.bytes.extend_from_slice(&l);
        self.bytes.extend_from_slice(body);
        self.bytes.extend_from_slice(&tr);
        self
    }

    /// The body of a section header block of version `major`.`minor` (section length -1),
    /// in the current byte order.
    pub(crate) fn shb_body(&self, major: u16, minor: u16) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&self.u32b(0x1a2b_3c4d));
        b.extend_from_slice(&self.u16b(major));
        b.extend_from_slice(&self.u16b(minor));
        b.extend_from_slice(&(-1i64).to_le_bytes());
        b
    }

    /// Starts a section in byte order `big`.
    pub(crate) fn shb(&mut self, big: bool) -> &mut Self {
        self.big = big;
        let body = self.shb_body(1, 0);
        self.block(0x0a0d_0d0a, &body)
    }

    /// An option list: each option padded, then `opt_endofopt` (nothing for no options).
    pub(crate) fn options(&self, opts: &[(u16, &[u8])]) -> Vec<u8> {
        let mut b = Vec::new();
        for &(code, value) in opts {
            b.extend_from_slice(&self.u16b(code));
            b.extend_from_slice(&self.u16b(value.len() as u16));
            b.extend_from_slice(value);
            b.resize(b.len().div_ceil(4) * 4, 0);
        }
        if !opts.is_empty() {
            b.extend_from_slice(&[0; 4]);
        }
        b
    }

    /// An interface description block.
    pub(crate) fn idb(&mut self, linktype: u16, snaplen: u32, opts: &[(u16, &[u8])]) -> &mut Self {
        let mut b = Vec::new();
        b.extend_from_slice(&self.u16b(linktype));
        b.extend_from_slice(&[0, 0]);
        b.extend_from_slice(&self.u32b(snaplen));
        b.extend_from_slice(&self.options(opts));
        self.block(1, &b)
    }

    /// The body of an enhanced packet block, data padded, no options.
    pub(crate) fn epb_body(
        &self,
        interface: u32,
        units: u64,
        orig_len: u32,
        data: &[u8],
    ) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&self.u32b(interface));
        b.extend_from_slice(&self.u32b((units >> 32) as u32));
        b.extend_from_slice(&self.u32b(units as u32));
        b.extend_from_slice(&self.u32b(data.len() as u32));
        b.extend_from_slice(&self.u32b(orig_len));
        b.extend_from_slice(data);
        b.resize(b.len().div_ceil(4) * 4, 0);
        b
    }

    /// An enhanced packet block.
    pub(crate) fn epb(
        &mut self,
        interface: u32,
        units: u64,
        orig_len: u32,
        data: &[u8],
    ) -> &mut Self {
        let body = self.epb_body(interface, units, orig_len, data);
        self.block(6, &body)
    }

    /// An obsolete packet block (drops count 0).
    pub(crate) fn pb(
        &mut self,
        interface: u16,
        units: u64,
        orig_len: u32,
        data: &[u8],
    ) -> &mut Self {
        let mut b = Vec::new();
        b.extend_from_slice(&self.u16b(interface));
        b.extend_from_slice(&self.u16b(0));
        b.extend_from_slice(&self.u32b((units >> 32) as u32));
        b.extend_from_slice(&self.u32b(units as u32));
        b.extend_from_slice(&self.u32b(data.len() as u32));
        b.extend_from_slice(&self.u32b(orig_len));
        b.extend_from_slice(data);
        self.block(2, &b)
    }

    /// A simple packet block.
    pub(crate) fn spb(&mut self, orig_len: u32, data: &[u8]) -> &mut Self {
        let mut b = self.u32b(orig_len).to_vec();
        b.extend_from_slice(data);
        self.block(3, &b)
    }

    /// A pcapng file of the blocks `(kind, length, parameter)` describe (kinds 0 to 7: a new
    /// section, an interface, enhanced packets, a simple packet, an obsolete packet, a skipped
    /// block, a block whose length is not a multiple of 4), after a section header and an
    /// interface: cut at `cut`, with the byte at `flip.0` XORed with `flip.1`.
    pub(crate) fn from_recipe(
        blocks: &[(u8, usize, u8)],
        cut: Option<usize>,
        flip: Option<(usize, u8)>,
    ) -> Vec<u8> {
        let mut f = PcapngFile::new();
        f.shb(false).idb(1, 0, &[]);
        for (i, &(kind, len, p)) in blocks.iter().enumerate() {
            let data = vec![i as u8; len];
            match kind {
                0 => {
                    f.shb(p & 1 == 1).idb(1, 0, &[]);
                }
                1 => {
                    let tsresol = [6, 9, 0x80 | 20, 3][usize::from(p % 4)];
                    f.idb(u16::from(p), u16::from(p) as u32 * 7, &[(9, &[tsresol])]);
                }
                2 | 3 => {
                    f.epb(u32::from(p % 2), u64::from(p) << 30, len as u32 + 3, &data);
                }
                4 => {
                    f.spb(len as u32, &data);
                }
                5 => {
                    f.pb(u16::from(p % 2), u64::from(p), len as u32, &data);
                }
                6 => {
                    f.block(5, &data);
                }
                _ => {
                    // A block whose total length is not a multiple of 4, its trailing length
                    // rounded up or not.
                    let total = 12 + len as u32;
                    let mut body = data.clone();
                    body.resize(len.div_ceil(4) * 4, 0);
                    let trailing = if p & 1 == 1 { total.div_ceil(4) * 4 } else { total };
                    f.raw_block(0x0bad, total, &body, trailing);
                }
            }
        }
        let mut data = f.bytes;
        if let Some((at, x)) = flip {
            let n = data.len();
            if let Some(b) = data.get_mut(at % n) {
                *b ^= x;
            }
        }
        if let Some(c) = cut {
            data.truncate(c.min(data.len()));
        }
        data
    }
}
