// The workflow's checks and report encoding on the shared vectors: byte-identical to px-don.
import { describe, expect, test } from 'bun:test'
import { rawBlockCid } from '../src/answer'
import { encodeReport } from '../src/report'
import { ROUTE_CRE, decodeRequest } from '../src/request'
import { cases, config, logOf } from './vectors'

describe('shared vectors', () => {
	test('there are cases of both kinds', () => {
		expect(cases.filter((c) => c.payload !== null).length).toBeGreaterThan(0)
		expect(cases.filter((c) => c.error !== null).length).toBeGreaterThan(4)
	})

	for (const c of cases) {
		test(c.name, () => {
			const { topics, data } = logOf(c)
			const request = decodeRequest(topics, data)
			expect(request.route).toBe(ROUTE_CRE)
			if (c.payload !== null) {
				expect(encodeReport(request, c.answer, config)).toBe(c.payload)
			} else {
				expect(() => encodeReport(request, c.answer, config)).toThrow(c.error as string)
			}
		})
	}
})

test('the CID of a digest is its canonical raw-block CID', () => {
	const honest = JSON.parse(cases[0].answer)
	expect(rawBlockCid(honest.metadataDigest)).toBe(honest.metadataCid)
})
