//! Round trips through every interface (sans-IO, `Read`, `Stream`), for any input and any
//! way the input is split, and the memory bound of streaming.

use std::io::Read;

use futures::{StreamExt, TryStreamExt, executor::block_on, stream};
use proptest::prelude::*;
use px_encryption::{
    DecryptingReader, EncryptingReader, Error, MasterKey, Probe, ciphertext_len, probe,
    seal::{decrypt, encrypt},
};

fn key(byte: u8) -> MasterKey {
    let mut sig = [byte; 65];
    sig[64] = 27;
    MasterKey::from_signature(&sig).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn decrypts_what_it_encrypts_however_the_bytes_are_split(
        plain in proptest::collection::vec(any::<u8>(), 0..140_000),
        piece in 1usize..70_000,
    ) {
        let k = key(1);
        let sealed = encrypt(&k, &plain).unwrap();
        prop_assert_eq!(sealed.len() as u64, ciphertext_len(plain.len() as u64));
        let mut dec = px_encryption::Decryptor::new(&k);
        let mut out = Vec::new();
        for part in sealed.chunks(piece) {
            dec.update(part, &mut out).unwrap();
        }
        dec.finish(&mut out).unwrap();
        prop_assert_eq!(out, plain);
    }
}

#[test]
fn two_encryptions_of_one_file_differ() {
    let k = key(2);
    let (a, b) = (encrypt(&k, b"same").unwrap(), encrypt(&k, b"same").unwrap());
    assert_ne!(a, b, "a fresh salt per file");
    assert_eq!(probe(&a), Probe::Encrypted { version: 1 });
}

#[test]
fn readers_round_trip_a_large_file_in_small_reads() {
    let k = key(3);
    let plain: Vec<u8> = (0..1_000_003u32).map(|i| u8::try_from(i % 251).unwrap()).collect();
    let mut sealed = Vec::new();
    EncryptingReader::new(&k, plain.as_slice()).unwrap().read_to_end(&mut sealed).unwrap();
    assert_eq!(sealed.len() as u64, ciphertext_len(plain.len() as u64));
    let mut reader = DecryptingReader::new(&k, sealed.as_slice());
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = reader.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    assert_eq!(out, plain);
}

#[test]
fn error_when_a_reader_meets_cut_ciphertext() {
    let k = key(4);
    let sealed = encrypt(&k, &vec![9u8; 70_000]).unwrap();
    let cut = &sealed[..56 + 65_536 + 16];
    let err = DecryptingReader::new(&k, cut).read_to_end(&mut Vec::new()).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    let inner = err.into_inner().unwrap().downcast::<Error>().unwrap();
    assert_eq!(*inner, Error::Truncated);
}

#[test]
fn streams_round_trip_and_hold_one_chunk_at_a_time() {
    let k = key(5);
    // 8 MiB of plaintext pushed in 256 KiB pieces: no output piece exceeds a piece plus a chunk.
    let pieces = (0u8..32).map(|i| Ok(bytes::Bytes::from(vec![i; 1 << 18])));
    let sealed = px_encryption::stream::encrypt(&k, stream::iter(pieces)).unwrap();
    let mut largest = 0;
    let mut total = 0u64;
    let opened = px_encryption::stream::decrypt(
        &k,
        sealed.inspect_ok(|b| {
            assert!(b.len() <= (1 << 18) + 65_536 + 4096, "{} bytes out at once", b.len());
        }),
    );
    block_on(opened.try_for_each(|b| {
        largest = largest.max(b.len());
        total += b.len() as u64;
        futures::future::ready(Ok(()))
    }))
    .unwrap();
    assert_eq!(total, 8 << 20);
    assert!(largest <= (1 << 18) + 65_536, "{largest}");
}

#[test]
fn error_when_a_stream_is_not_ciphertext() {
    let k = key(6);
    let plain = stream::iter([Ok(bytes::Bytes::from_static(b"%PDF-1.7 not encrypted"))]);
    let got: Vec<_> = block_on(px_encryption::stream::decrypt(&k, plain).collect());
    let err = got.into_iter().find_map(Result::err).unwrap();
    let inner = err.into_inner().unwrap().downcast::<Error>().unwrap();
    assert_eq!(*inner, Error::NotPxCiphertext);
    assert_eq!(decrypt(&k, b"").unwrap_err(), Error::NotPxCiphertext);
}
