// The px-sync CRE workflow: on the syncing program's SyncRequested (route 1), each DON node
// fetches the token's usage answer from its oracle adapter and checks it; the DON agrees on
// identical report payloads, signs the report, and writes it to the syncing program's onReport
// through Chainlink's KeystoneForwarder.
import {
	type EVMLog,
	EVMClient,
	HTTPClient,
	type HTTPSendRequester,
	type Runtime,
	Runner,
	bytesToHex,
	consensusIdenticalAggregation,
	getNetwork,
	handler,
	logTriggerConfig,
	prepareReportRequest,
	text,
} from '@chainlink/cre-sdk'
import type { Hex } from 'viem'
import { type Config, configSchema } from './config'
import { encodeReport } from './report'
import { ROUTE_CRE, SYNC_REQUESTED_TOPIC, type SyncRequest, decodeRequest } from './request'

/** The adapter query for a request (parameters spelled as the Direct Request CBOR spells them). */
export function usageUrl(config: Config, request: SyncRequest): string {
	const q = `btnsKey=${request.btnsKey}&tokenId=${request.tokenId}&contract=${config.core.toLowerCase()}&chainId=${config.chainId}`
	return `${config.adapterUrl.replace(/\/+$/, '')}/usage?${q}`
}

/** One node's step: its own fetch, its own checks, its payload (hex). */
export const observe = (sendRequester: HTTPSendRequester, config: Config, request: SyncRequest): Hex => {
	const response = sendRequester.sendRequest({ url: usageUrl(config, request), method: 'GET' }).result()
	if (response.statusCode !== 200) {
		throw new Error(`adapter answered ${response.statusCode}: ${text(response)}`)
	}
	return encodeReport(request, new TextDecoder().decode(response.body), config)
}

export function evmClient(config: Config): EVMClient {
	const network = getNetwork({ chainFamily: 'evm', chainSelectorName: config.chainSelectorName, isTestnet: config.isTestnet })
	if (!network) throw new Error(`unknown chain ${config.chainSelectorName}`)
	return new EVMClient(network.chainSelector.selector)
}

/** The handler: returns what it did, for the execution log. */
export const onSyncRequested = (runtime: Runtime<Config>, log: EVMLog): string => {
	const config = runtime.config
	const request = decodeRequest(log.topics, log.data)
	if (request.route !== ROUTE_CRE) return `request ${request.requestId}: route ${request.route} is not CRE's`
	const payload = new HTTPClient()
		.sendRequest(runtime, observe, consensusIdenticalAggregation<Hex>())(config, request)
		.result()
	const report = runtime.report(prepareReportRequest(payload)).result()
	const reply = evmClient(config)
		.writeReport(runtime, { receiver: config.syncProgram, report, gasConfig: { gasLimit: config.gasLimit } })
		.result()
	const tx = reply.txHash ? bytesToHex(reply.txHash) : 'none'
	runtime.log(`request ${request.requestId}: report written, tx ${tx}, status ${reply.txStatus}`)
	return tx
}

export const initWorkflow = (config: Config) => [
	handler(
		evmClient(config).logTrigger(
			logTriggerConfig({ addresses: [config.syncProgram as Hex], topics: [[SYNC_REQUESTED_TOPIC]], confidence: 'FINALIZED' }),
		),
		onSyncRequested,
	),
]

export async function main() {
	const runner = await Runner.newRunner<Config>({ configSchema })
	await runner.run(initWorkflow)
}
