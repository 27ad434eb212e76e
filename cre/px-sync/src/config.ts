// The workflow's configuration (config.<target>.json beside this folder), checked with zod.
import { z } from 'zod'

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'an address, 0x + 40 hex digits')

export const configSchema = z.object({
	/** CRE's name of the chain (e.g. "ethereum-testnet-sepolia-arbitrum-1"). */
	chainSelectorName: z.string(),
	/** Whether that chain is a testnet (how the SDK looks the selector up). */
	isTestnet: z.boolean(),
	/** The chain id the usage is signed for (the EIP-712 domain's). */
	chainId: z.number().int().positive(),
	/** The syncing program: emits SyncRequested, receives onReport. */
	syncProgram: address,
	/** The core contract (PxStorageNft), the EIP-712 domain's verifyingContract. */
	core: address,
	/** Base URL of the oracle adapter each DON node asks (`GET /usage`). */
	adapterUrl: z.string().url(),
	/** writeReport's gas limit (decimal string), measured: see px-don's WRITE_REPORT_GAS_LIMIT. */
	gasLimit: z.string().regex(/^[1-9][0-9]*$/),
	/** Accepted usage signers; empty = any whose signature verifies (the chain decides). */
	trustedSigners: z.array(address),
})

export type Config = z.infer<typeof configSchema>
