//! What commands share: the account (from `PX_PRIVATE_KEY` or a keystore), providers, the
//! node client and the contract addresses (the core from the flag or the node; the storefront
//! and sync from the core's roles).

use alloy::{
    network::EthereumWallet,
    primitives::Address,
    providers::{DynProvider, Provider, ProviderBuilder},
    signers::{Signer, local::PrivateKeySigner},
};
use px_abi::IPxStorageNft;
use px_node_api::NodeClient;

use crate::{args::Cli, error::CliError};

/// The programs of a deployment.
#[derive(Debug, Clone, Copy)]
pub struct Contracts {
    /// `PxStorageNft`.
    pub core: Address,
    /// `PxStorefront` (the core's minter).
    pub storefront: Address,
    /// `PxSync` (the core's syncer).
    pub sync: Address,
    /// The core's registrar.
    pub registrar: Address,
    /// The renderer.
    pub renderer: Address,
}

/// Shared state of a command.
#[derive(Debug)]
pub struct Ctx {
    /// RPC URL.
    pub rpc_url: String,
    /// The node client (not signed in).
    pub node: NodeClient,
    core: Option<Address>,
    keystore: Option<std::path::PathBuf>,
}

impl Ctx {
    /// The context of `cli`.
    pub fn new(cli: &Cli) -> Self {
        Self {
            rpc_url: cli.rpc_url.clone(),
            node: NodeClient::new(&cli.node_url),
            core: cli.core,
            keystore: cli.keystore.clone(),
        }
    }

    /// The account: `--keystore` (password in `PX_KEYSTORE_PASSWORD`) or `PX_PRIVATE_KEY`.
    pub fn signer(&self) -> Result<PrivateKeySigner, CliError> {
        if let Some(path) = &self.keystore {
            let password = std::env::var("PX_KEYSTORE_PASSWORD").map_err(|_| {
                CliError::Key("set PX_KEYSTORE_PASSWORD to unlock the keystore".into())
            })?;
            return PrivateKeySigner::decrypt_keystore(path, password)
                .map_err(|e| CliError::Key(format!("cannot unlock {}: {e}", path.display())));
        }
        let key = std::env::var("PX_PRIVATE_KEY").map_err(|_| {
            CliError::Key("no account: set PX_PRIVATE_KEY or pass --keystore FILE".into())
        })?;
        key.trim()
            .parse()
            .map_err(|_| CliError::Key("PX_PRIVATE_KEY is not a hex private key".into()))
    }

    fn url(&self) -> Result<reqwest::Url, CliError> {
        self.rpc_url
            .parse()
            .map_err(|e| CliError::Usage(format!("bad --rpc-url {:?}: {e}", self.rpc_url)))
    }

    /// A read-only provider.
    pub fn reader(&self) -> Result<DynProvider, CliError> {
        Ok(ProviderBuilder::new().connect_http(self.url()?).erased())
    }

    /// A provider that signs with the account.
    pub fn writer(&self) -> Result<(DynProvider, Address), CliError> {
        let signer = self.signer()?;
        let from = signer.address();
        let p = ProviderBuilder::new()
            .wallet(EthereumWallet::from(signer))
            .connect_http(self.url()?)
            .erased();
        Ok((p, from))
    }

    /// The chain id, checking the RPC answers.
    pub async fn chain_id(&self) -> Result<u64, CliError> {
        self.reader()?.get_chain_id().await.map_err(|e| CliError::RpcCall {
            what: format!("{} does not answer", self.rpc_url),
            source: Box::new(e),
        })
    }

    /// The core: `--core`, else the node's.
    pub async fn core(&self) -> Result<Address, CliError> {
        if let Some(core) = self.core {
            return Ok(core);
        }
        let info = self.node.info().await.map_err(|e| {
            CliError::Usage(format!("no --core given and the node cannot tell it: {e}"))
        })?;
        info.core.parse().map_err(|_| {
            CliError::Usage(format!(
                "the node's /v1/info names core {:?}, not an address; pass --core",
                info.core
            ))
        })
    }

    /// Every program's address, from the core's roles.
    pub async fn contracts(&self) -> Result<Contracts, CliError> {
        let core = self.core().await?;
        let roles =
            IPxStorageNft::new(core, self.reader()?).roles().call().await.map_err(|e| {
                CliError::Rpc(format!("cannot read the core's roles at {core}: {e}"))
            })?;
        Ok(Contracts {
            core,
            storefront: roles.minter,
            sync: roles.syncer,
            registrar: roles.registrar,
            renderer: roles.renderer,
        })
    }

    /// The account's `px-enc/1` key for the core's collection: its EIP-191 signature of
    /// [`px_encryption::key_message`] (deterministic, so every client derives the same key).
    pub async fn encryption_key(&self) -> Result<px_encryption::MasterKey, CliError> {
        let signer = self.signer()?;
        let message = px_encryption::key_message(self.chain_id().await?, self.core().await?.0.0);
        let signature = signer
            .sign_message(message.as_bytes())
            .await
            .map_err(|e| CliError::Key(format!("cannot sign the encryption key message: {e}")))?;
        px_encryption::MasterKey::from_signature(&signature.as_bytes())
            .map_err(CliError::Encryption)
    }

    /// The node client, signed in with the account.
    pub async fn signed_in_node(&self) -> Result<NodeClient, CliError> {
        let signer = self.signer()?;
        let mut node = self.node.clone();
        node.sign_in(&signer).await?;
        Ok(node)
    }
}

/// Maps a contract error to one line, naming the PX program's custom error when it is one.
pub fn contract_error(call: &'static str, e: &alloy::contract::Error) -> CliError {
    use px_abi::{
        IPxStorageNft::IPxStorageNftErrors, IPxStorefront::IPxStorefrontErrors,
        IPxSync::IPxSyncErrors,
    };
    let reason = if let Some(d) = e.as_decoded_interface_error::<IPxStorefrontErrors>() {
        format!("{d:?}")
    } else if let Some(d) = e.as_decoded_interface_error::<IPxSyncErrors>() {
        format!("{d:?}")
    } else if let Some(d) = e.as_decoded_interface_error::<IPxStorageNftErrors>() {
        format!("{d:?}")
    } else if let Some(data) = e.as_revert_data() {
        format!("reverted with 0x{}", alloy::hex::encode(data))
    } else {
        return CliError::RpcCall { what: call.to_owned(), source: e.to_string().into() };
    };
    CliError::Reverted { call, reason }
}
