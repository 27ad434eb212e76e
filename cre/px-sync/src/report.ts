// The report payload (docs/wire-formats.md, "Sync through CRE"): what runtime.report() signs
// and the syncing program's onReport decodes. px-don's node::observation produces the same
// bytes from the same answer; both are tested on vectors/reports.json.
import { type Hex, encodeAbiParameters, parseAbiParameters } from 'viem'
import { checkAnswer } from './answer'
import type { Config } from './config'
import type { SyncRequest } from './request'

export const REPORT_PARAMETERS = parseAbiParameters(
	'bytes32 requestId, uint256 tokenId, uint64 sequence, uint64 usedBytes, uint32 uploadCount, bytes32 metadataDigest, bytes signatures',
)

/** abi.encode of the seven fields. `signatures`: one 65-byte UsageReport signature per signer, by address. */
export function encodeReport(request: SyncRequest, answerBody: string, config: Config): Hex {
	const a = checkAnswer(config, request, answerBody)
	return encodeAbiParameters(REPORT_PARAMETERS, [
		request.requestId,
		request.tokenId,
		a.sequence,
		a.usedBytes,
		a.uploadCount,
		a.metadataDigest,
		a.signature,
	])
}
