// The log trigger's event: the syncing program's SyncRequested (docs/wire-formats.md,
// "Sync through CRE"). Route 1 is CRE's; route 2 is Direct Request's, left to a Chainlink node.
import { type Hex, bytesToHex, decodeEventLog, parseAbi, toEventSelector } from 'viem'

export const SYNC_REQUESTED_ABI = parseAbi([
	'event SyncRequested(uint256 indexed tokenId, bytes32 indexed requestId, address indexed payer, uint8 route, bytes btnsKey)',
])

/** topic0 of SyncRequested. */
export const SYNC_REQUESTED_TOPIC: Hex = toEventSelector(SYNC_REQUESTED_ABI[0])

export const ROUTE_CRE = 1

export type SyncRequest = {
	tokenId: bigint
	requestId: Hex
	payer: Hex
	route: number
	/** The key bytes, 0x + lowercase hex. */
	btnsKey: Hex
}

/** Decodes a SyncRequested log from its topics and data. */
export function decodeRequest(topics: Uint8Array[], data: Uint8Array): SyncRequest {
	const hexTopics = topics.map((t) => bytesToHex(t)) as [Hex, ...Hex[]]
	const { args } = decodeEventLog({
		abi: SYNC_REQUESTED_ABI,
		topics: hexTopics,
		data: bytesToHex(data),
		strict: true,
	})
	return {
		tokenId: args.tokenId,
		requestId: args.requestId,
		payer: args.payer.toLowerCase() as Hex,
		route: args.route,
		btnsKey: args.btnsKey.toLowerCase() as Hex,
	}
}
