//! Traffic out: traffic models, capture reading and writing.
