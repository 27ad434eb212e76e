//! `futures::Stream` adapters (what `reqwest::Body::wrap_stream` takes and
//! `Response::bytes_stream` gives): ciphertext out of a plaintext stream and back.

use bytes::Bytes;
use futures_util::{Stream, StreamExt, stream};

use crate::{Decryptor, Error, key::MasterKey, seal, seal::Core};

fn pump<S, C>(input: S, core: C) -> impl Stream<Item = std::io::Result<Bytes>> + Send
where
    S: Stream<Item = std::io::Result<Bytes>> + Send + 'static,
    C: Core + Send + 'static,
{
    let state = Some((input.boxed(), core));
    stream::unfold(state, |state| async move {
        let (mut input, mut core) = state?;
        loop {
            let mut out = Vec::new();
            match input.next().await {
                Some(Ok(data)) => {
                    if let Err(e) = core.update(&data, &mut out) {
                        return Some((Err(e.into()), None));
                    }
                    if !out.is_empty() {
                        return Some((Ok(Bytes::from(out)), Some((input, core))));
                    }
                }
                Some(Err(e)) => return Some((Err(e), None)),
                None => {
                    let done = core.finish(&mut out).map(|()| Bytes::from(out));
                    return Some((done.map_err(Into::into), None));
                }
            }
        }
    })
}

/// Encrypts a plaintext stream under `key` (fresh salt, 64 KiB chunks). Send
/// [`crate::ciphertext_len`] of the plaintext length as `Content-Length`.
///
/// # Errors
/// [`Error::Random`] if the system has no randomness.
pub fn encrypt<S>(
    key: &MasterKey,
    plain: S,
) -> Result<impl Stream<Item = std::io::Result<Bytes>> + Send + use<S>, Error>
where
    S: Stream<Item = std::io::Result<Bytes>> + Send + 'static,
{
    Ok(pump(plain, seal::Encryptor::new(key)?))
}

/// Decrypts a `px-enc/1` stream; a failure ends the stream with an
/// `io::ErrorKind::InvalidData` error carrying the [`Error`].
pub fn decrypt<S>(
    key: &MasterKey,
    sealed: S,
) -> impl Stream<Item = std::io::Result<Bytes>> + Send + use<S>
where
    S: Stream<Item = std::io::Result<Bytes>> + Send + 'static,
{
    pump(sealed, Decryptor::new(key))
}
