//! Reading VTK's XML files, once for every reader: the tag scanner ([`xml`]) and the
//! data-array decoder ([`array`]: ASCII, base64 binary with UInt32/UInt64 headers,
//! zlib-compressed blocks). Network files (`.vtp`, `vessels::formats`) and field
//! volumes (`.vti`, `output::vti`) both read through them.

pub(crate) mod array;
pub(crate) mod xml;
