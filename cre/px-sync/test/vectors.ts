// The shared vectors (vectors/reports.json), written and checked by px-don's
// tests/vectors.rs: the workflow must give the same payload, or refuse, on each.
import { readFileSync } from 'node:fs'
import { hexToBytes } from 'viem'
import type { Config } from '../src/config'

type Case = {
	name: string
	log: { topics: `0x${string}`[]; data: `0x${string}` }
	answer: string
	payload: `0x${string}` | null
	error: string | null
}

const file = JSON.parse(readFileSync(new URL('../vectors/reports.json', import.meta.url), 'utf8'))

export const cases: Case[] = file.cases

export const config: Config = {
	chainSelectorName: 'ethereum-testnet-sepolia-arbitrum-1',
	isTestnet: true,
	chainId: file.config.chainId,
	syncProgram: '0x00000000000000000000000000000000000000a1',
	core: file.config.core,
	adapterUrl: 'http://adapter.test:8080/',
	gasLimit: '400000',
	trustedSigners: file.config.trustedSigners,
}

export const logOf = (c: Case) => ({
	topics: c.log.topics.map((t) => hexToBytes(t)),
	data: hexToBytes(c.log.data),
})
