/** Client-side encryption (`px-enc/1`): keys from a wallet signature, chunked AES-256-GCM. */
export { keyMessage, deriveMasterKey, type MasterKey } from './key.js';
export { probe, ciphertextLength, plaintextLength, PROBE_LEN, type Probe } from './format.js';
export { Encryptor, Decryptor, encrypt, decrypt, encryptStream, decryptStream } from './seal.js';
