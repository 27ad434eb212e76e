//! Client-side encryption of PX files: the `px-enc/1` format (`docs/wire-formats.md`,
//! "Client-side encryption"; threat model in `docs/encryption.md`), the same bytes as the
//! TypeScript SDK's (`sdk/src/encryption/`), pinned by the shared vectors in `vectors/`.
//!
//! A file is encrypted before it leaves the client: AES-256-GCM over 64 KiB chunks (a STREAM
//! construction: each chunk's nonce carries its index and whether it is the last, so
//! reordering, truncation and appended data are detected), under a per-file key derived with
//! HKDF-SHA256 from a random salt and the wallet's master key, itself derived from the wallet's
//! EIP-191 signature over a fixed text naming the chain and the collection ([`key_message`]).
//! One wallet has one key per collection and chain; any client can re-derive it.
//!
//! # Layout
//! - [`key`]: the message to sign and the [`MasterKey`] derived from its signature.
//! - [`format`]: the header, [`probe`] ("is this PX ciphertext" from a prefix) and lengths.
//! - [`seal`]: the sans-IO core, [`Encryptor`] and [`Decryptor`] (push bytes in any sizes,
//!   take sealed or opened bytes out; memory bounded by one chunk).
//! - [`io`]: `std::io::Read` adapters, [`EncryptingReader`] and [`DecryptingReader`].
//! - [`stream`] (feature `stream`, default): `futures::Stream` adapters for HTTP bodies.
//!
//! # Wiring into `px` and the node
//! `px upload --encrypt`: sign [`key_message`] with the account (`personal_sign`), build the
//! [`MasterKey`], wrap the file stream with [`stream::encrypt`] and send
//! [`format::ciphertext_len`] as `Content-Length`. `px download`: if [`probe`] says the first
//! bytes are PX ciphertext, wrap the body with [`stream::decrypt`]. The node marks a listed
//! file as encrypted when [`probe`] accepts the first bytes it stored.

pub mod error;
pub mod format;
pub mod io;
pub mod key;
pub mod seal;
#[cfg(feature = "stream")]
pub mod stream;

pub use error::Error;
pub use format::{Probe, ciphertext_len, plaintext_len, probe};
pub use io::{DecryptingReader, EncryptingReader};
pub use key::{MasterKey, key_message};
pub use seal::{Decryptor, Encryptor};
