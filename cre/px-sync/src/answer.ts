// The adapter's `GET /usage` answer (docs/wire-formats.md, "Adapter usage answer"), parsed
// strictly and checked again as the adapter checks it (oracle-adapter's UsageAnswer::check):
// canonical spellings, a CID that carries the digest, an EIP-712 UsageReport signature that
// recovers to `signer`, the subject the request is about, and the trusted-signer list.
// Synchronous (no Promise): it runs inside a node-mode step.
import { secp256k1 } from '@noble/curves/secp256k1'
import { type Hex, hashTypedData, hexToBytes, keccak256, toHex } from 'viem'
import type { Config } from './config'
import type { SyncRequest } from './request'

const FIELDS = [
	'chainId',
	'contract',
	'tokenId',
	'btnsKey',
	'sequence',
	'usedBytes',
	'uploadCount',
	'quotaBytes',
	'uploadLimit',
	'metadataDigest',
	'metadataCid',
	'signer',
	'signature',
] as const

/** Half the secp256k1 order: a larger `s` is the malleable twin of a low-`s` signature. */
const HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n

export type CheckedAnswer = {
	sequence: bigint
	usedBytes: bigint
	uploadCount: number
	metadataDigest: Hex
	signature: Hex
	signer: Hex
}

const fail = (message: string): never => {
	throw new Error(message)
}

function decimal(field: string, s: unknown, bits: number): bigint {
	if (typeof s !== 'string' || !/^(0|[1-9][0-9]*)$/.test(s) || BigInt(s) >= 1n << BigInt(bits)) {
		return fail(`not a usage answer: ${field} must be a canonical decimal string in range`)
	}
	return BigInt(s)
}

function lowerHex(field: string, s: unknown, pattern: RegExp, what: string): Hex {
	if (typeof s !== 'string' || !pattern.test(s)) {
		return fail(`${field} must be ${what}, got ${JSON.stringify(s)}`)
	}
	return s as Hex
}

/** The canonical CID of one raw sha2-256 block: "b" + base32 of 01 55 12 20 ‖ digest. */
export function rawBlockCid(digest: Hex): string {
	const bytes = new Uint8Array([0x01, 0x55, 0x12, 0x20, ...hexToBytes(digest)])
	const alphabet = 'abcdefghijklmnopqrstuvwxyz234567'
	let out = 'b'
	let buffer = 0
	let bits = 0
	for (const byte of bytes) {
		buffer = (buffer << 8) | byte
		bits += 8
		while (bits >= 5) {
			out += alphabet[(buffer >> (bits - 5)) & 31]
			bits -= 5
		}
	}
	if (bits > 0) out += alphabet[(buffer << (5 - bits)) & 31]
	return out
}

/** The address `signature` (r ‖ s ‖ v, v 27/28, low s) recovers to for `hash`. */
function recover(hash: Hex, signature: Hex): Hex {
	const bytes = hexToBytes(signature)
	const r = BigInt(toHex(bytes.slice(0, 32)))
	const s = BigInt(toHex(bytes.slice(32, 64)))
	const v = bytes[64]
	if (v !== 27 && v !== 28) fail('malformed signature: v must be 27 or 28')
	if (r === 0n || s === 0n) fail('malformed signature: r and s must be non-zero')
	if (s > HALF_ORDER) fail('malformed signature: s is in the upper half of the curve order (EIP-2)')
	const point = new secp256k1.Signature(r, s).addRecoveryBit(v - 27).recoverPublicKey(hexToBytes(hash).slice())
	const uncompressed = point.toRawBytes(false).slice(1)
	return `0x${keccak256(uncompressed).slice(-40)}` as Hex
}

/** Parses and checks an answer body for `request`; throws naming the first failed check. */
export function checkAnswer(config: Config, request: SyncRequest, body: string): CheckedAnswer {
	let a: Record<string, unknown>
	try {
		a = JSON.parse(body)
	} catch (e) {
		return fail(`not a usage answer: ${e}`)
	}
	if (typeof a !== 'object' || a === null || Array.isArray(a)) fail('not a usage answer: not an object')
	const keys = Object.keys(a).sort()
	for (const k of keys) if (!(FIELDS as readonly string[]).includes(k)) fail(`not a usage answer: unknown field ${k}`)
	for (const k of FIELDS) if (!(k in a)) fail(`not a usage answer: missing field ${k}`)

	const chainId = decimal('chainId', a.chainId, 64)
	const tokenId = decimal('tokenId', a.tokenId, 256)
	const sequence = decimal('sequence', a.sequence, 64)
	const usedBytes = decimal('usedBytes', a.usedBytes, 64)
	const uploadCount = decimal('uploadCount', a.uploadCount, 32)
	decimal('quotaBytes', a.quotaBytes, 64)
	decimal('uploadLimit', a.uploadLimit, 32)
	const btnsKey = lowerHex('btnsKey', a.btnsKey, /^0x([0-9a-f]{2}){1,64}$/, '0x + lowercase hex')
	const digest = lowerHex('metadataDigest', a.metadataDigest, /^0x[0-9a-f]{64}$/, '0x + 64 lowercase hex digits')
	const signature = lowerHex('signature', a.signature, /^0x[0-9a-f]{130}$/, '0x + 130 lowercase hex digits')
	const contract = lowerHex('contract', a.contract, /^0x[0-9a-f]{40}$/, '0x + 40 lowercase hex digits')
	const signer = lowerHex('signer', a.signer, /^0x[0-9a-f]{40}$/, '0x + 40 lowercase hex digits')
	if (a.metadataCid !== rawBlockCid(digest)) {
		fail(`metadataCid ${a.metadataCid} does not carry metadataDigest ${digest}`)
	}
	const hash = hashTypedData({
		domain: { name: 'PX Storage NFT', version: '1', chainId, verifyingContract: contract },
		types: {
			UsageReport: [
				{ name: 'tokenId', type: 'uint256' },
				{ name: 'btnsKey', type: 'bytes' },
				{ name: 'sequence', type: 'uint64' },
				{ name: 'usedBytes', type: 'uint64' },
				{ name: 'uploadCount', type: 'uint32' },
			],
		},
		primaryType: 'UsageReport',
		message: { tokenId, btnsKey, sequence, usedBytes, uploadCount: Number(uploadCount) },
	})
	const recovered = recover(hash, signature)
	if (recovered !== signer) fail(`signature recovers to ${recovered}, not to the signer ${signer}`)
	const wrong = (field: string, expected: string, found: string): never =>
		fail(`answer is about ${field} ${found}, the request about ${expected}`)
	if (chainId !== BigInt(config.chainId)) wrong('chainId', String(config.chainId), String(chainId))
	if (contract !== config.core.toLowerCase()) wrong('contract', config.core.toLowerCase(), contract)
	if (tokenId !== request.tokenId) wrong('tokenId', String(request.tokenId), String(tokenId))
	if (btnsKey !== request.btnsKey) wrong('btnsKey', request.btnsKey, btnsKey)
	const trusted = config.trustedSigners.map((s) => s.toLowerCase())
	if (trusted.length > 0 && !trusted.includes(signer)) fail(`signer ${signer} is not trusted`)
	return { sequence, usedBytes, uploadCount: Number(uploadCount), metadataDigest: digest, signature, signer }
}
