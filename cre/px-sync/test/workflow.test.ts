// The whole handler under the CRE SDK's own test runtime: log trigger payload in, the HTTP
// capability answered with a recorded adapter answer, identical consensus, runtime.report(),
// writeReport to the syncing program with the configured gas limit.
import { describe, expect } from 'bun:test'
import { type EVMLog, getNetwork } from '@chainlink/cre-sdk'
import {
	EvmMock,
	HttpActionsMock,
	REPORT_METADATA_HEADER_LENGTH,
	newTestRuntime,
	test,
} from '@chainlink/cre-sdk/test'
import { bytesToHex } from 'viem'
import { onSyncRequested, usageUrl } from '../src/main'
import { decodeRequest } from '../src/request'
import { cases, config, logOf } from './vectors'

const selector = () => getNetwork({ chainFamily: 'evm', chainSelectorName: config.chainSelectorName, isTestnet: true })?.chainSelector.selector ?? 0n

function setup(answer: { status: number; body: string }) {
	const http = HttpActionsMock.testInstance()
	const asked: string[] = []
	http.sendRequest = (input) => {
		asked.push(input.url)
		return { statusCode: answer.status, headers: {}, body: new TextEncoder().encode(answer.body) }
	}
	const written: { receiver: string; body: string; gasLimit: bigint }[] = []
	const evm = EvmMock.testInstance(BigInt(selector()))
	evm.writeReport = (input) => {
		const raw = input.report?.rawReport ?? new Uint8Array()
		written.push({
			receiver: bytesToHex(input.receiver),
			body: bytesToHex(raw.slice(REPORT_METADATA_HEADER_LENGTH)),
			gasLimit: input.gasConfig?.gasLimit ?? 0n,
		})
		return { txStatus: 'TX_STATUS_SUCCESS', txHash: new Uint8Array(32).fill(0xab) }
	}
	return { asked, written, runtime: newTestRuntime(null, {}, config) }
}

const honest = cases[0]

describe('onSyncRequested', () => {
	test('writes the report the vectors expect to the syncing program', () => {
		const { asked, written, runtime } = setup({ status: 200, body: honest.answer })
		const tx = onSyncRequested(runtime, logOf(honest) as unknown as EVMLog)
		expect(tx).toBe(`0x${'ab'.repeat(32)}`)
		const request = decodeRequest(logOf(honest).topics, logOf(honest).data)
		expect(asked).toEqual([usageUrl(config, request)])
		expect(asked[0]).toBe(
			`http://adapter.test:8080/usage?btnsKey=${request.btnsKey}&tokenId=7&contract=${config.core}&chainId=${config.chainId}`,
		)
		expect(written).toEqual([{ receiver: config.syncProgram, body: honest.payload as string, gasLimit: 400000n }])
	})

	test('an adapter error writes nothing', () => {
		const { written, runtime } = setup({ status: 404, body: '{"status":"errored"}' })
		expect(() => onSyncRequested(runtime, logOf(honest) as unknown as EVMLog)).toThrow('404')
		expect(written).toEqual([])
	})

	test('a refused answer writes nothing', () => {
		const edited = cases.find((c) => c.name === 'edited usage')
		if (!edited) throw new Error('vector missing')
		const { written, runtime } = setup({ status: 200, body: edited.answer })
		expect(() => onSyncRequested(runtime, logOf(edited) as unknown as EVMLog)).toThrow('recovers to')
		expect(written).toEqual([])
	})

	test('a Direct Request (route 2) is left to the Chainlink node', () => {
		const { asked, written, runtime } = setup({ status: 200, body: honest.answer })
		const log = logOf(honest)
		// route is the first data word.
		const data = log.data.slice()
		data[31] = 2
		const result = onSyncRequested(runtime, { ...log, data } as unknown as EVMLog)
		expect(result).toContain('route 2')
		expect(asked).toEqual([])
		expect(written).toEqual([])
	})
})
