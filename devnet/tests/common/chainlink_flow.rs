//! A Chainlink direct request from start to end with Chainlink's own LinkToken and Operator and
//! a ChainlinkClient consumer: deploy, fund, request, fulfil from the node, reject a stranger's
//! fulfilment, cancel too early, cancel after the five-minute expiry.

#![allow(clippy::too_many_arguments)] // sol! generates constructors for the 9-field OracleRequest

use alloy::{
    primitives::{Address, B256, U256},
    sol_types::{SolCall, SolEvent, SolValue},
};

use super::{
    backend::{Backend, Mined, actors},
    chainlink, fixture,
};

alloy::sol! {
    interface LinkToken {
        function grantMintRole(address minter) external;
        function mint(address account, uint256 amount) external;
        function transfer(address to, uint256 amount) external returns (bool);
        function balanceOf(address account) external view returns (uint256);
    }
    #[derive(Debug, PartialEq, Eq)]
    interface Operator {
        function setAuthorizedSenders(address[] calldata senders) external;
        function fulfillOracleRequest2(bytes32 requestId, uint256 payment, address callbackAddress, bytes4 callbackFunctionId, uint256 expiration, bytes calldata data) external returns (bool);
        event OracleRequest(bytes32 indexed specId, address requester, bytes32 requestId, uint256 payment, address callbackAddr, bytes4 callbackFunctionId, uint256 cancelExpiration, uint256 dataVersion, bytes data);
    }
    interface ChainlinkConsumer {
        function request(bytes32 specId, uint256 payment, string calldata btnsKey) external returns (bytes32 id);
        function fulfill(bytes32 requestId, uint256 value) external;
        function cancel(bytes32 requestId, uint256 payment, uint256 expiration) external;
        function lastValue() external view returns (uint256);
        function lastFulfilled() external view returns (bytes32);
    }
}

/// One LINK.
pub const LINK: u128 = 1_000_000_000_000_000_000;
/// The job the requests name.
pub const SPEC: B256 = B256::repeat_byte(0x5c);

/// What the scenario saw: every transaction by label, and the final readings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trace {
    pub steps: Vec<(&'static str, Mined)>,
    pub requests: Vec<Operator::OracleRequest>,
    pub last_value: U256,
    pub consumer_link: U256,
    pub operator_link: U256,
}

/// Drives a backend and records every transaction.
struct Flow<'a> {
    b: &'a mut dyn Backend,
    steps: Vec<(&'static str, Mined)>,
}

impl Flow<'_> {
    fn deploy(
        &mut self,
        label: &'static str,
        from: Address,
        mut code: Vec<u8>,
        args: &[u8],
    ) -> Address {
        code.extend_from_slice(args);
        let mined = self.b.send(from, None, code, 6_000_000);
        let address = mined.contract.expect("deployed");
        self.steps.push((label, mined));
        address
    }

    fn tx(
        &mut self,
        label: &'static str,
        from: Address,
        to: Address,
        call: &impl SolCall,
    ) -> Mined {
        let mined = self.b.send(from, Some(to), call.abi_encode(), 1_000_000);
        self.steps.push((label, mined.clone()));
        mined
    }

    fn read(&mut self, to: Address, call: &impl SolCall) -> U256 {
        U256::abi_decode(&self.b.call(to, call.abi_encode())).expect("a uint256")
    }
}

fn oracle_request(mined: &Mined) -> Operator::OracleRequest {
    mined
        .logs
        .iter()
        .find(|(_, topics, _)| topics.first() == Some(&Operator::OracleRequest::SIGNATURE_HASH))
        .map(|(_, topics, data)| {
            Operator::OracleRequest::decode_raw_log(topics.iter().copied(), data).unwrap()
        })
        .expect("the Operator emitted OracleRequest")
}

fn request(key: &str) -> ChainlinkConsumer::requestCall {
    ChainlinkConsumer::requestCall { specId: SPEC, payment: U256::from(LINK), btnsKey: key.into() }
}

fn fulfil(r: &Operator::OracleRequest, value: u64) -> Operator::fulfillOracleRequest2Call {
    Operator::fulfillOracleRequest2Call {
        requestId: r.requestId,
        payment: r.payment,
        callbackAddress: r.callbackAddr,
        callbackFunctionId: r.callbackFunctionId,
        expiration: r.cancelExpiration,
        data: (r.requestId, U256::from(value)).abi_encode_params().into(),
    }
}

/// Runs the scenario on `b`.
pub fn run(b: &mut dyn Backend) -> Trace {
    let actors = actors();
    let (owner, node) = (actors[0], actors[1]);
    let mut f = Flow { b, steps: Vec::new() };
    let link = f.deploy("deploy LinkToken", owner, chainlink("LinkToken"), &[]);
    let operator = f.deploy(
        "deploy Operator",
        owner,
        chainlink("Operator"),
        &(link, owner).abi_encode_params(),
    );
    let consumer = f.deploy(
        "deploy consumer",
        owner,
        fixture("ChainlinkConsumer"),
        &(link, operator).abi_encode_params(),
    );
    f.tx("grantMintRole", owner, link, &LinkToken::grantMintRoleCall { minter: owner });
    f.tx(
        "mint LINK",
        owner,
        link,
        &LinkToken::mintCall { account: owner, amount: U256::from(100 * LINK) },
    );
    f.tx(
        "fund consumer",
        owner,
        link,
        &LinkToken::transferCall { to: consumer, amount: U256::from(10 * LINK) },
    );
    f.tx(
        "authorize node",
        owner,
        operator,
        &Operator::setAuthorizedSendersCall { senders: vec![node] },
    );
    let first = oracle_request(&f.tx("request", owner, consumer, &request("0x0024080112")));
    f.tx("fulfil", node, operator, &fulfil(&first, 42));
    let second = oracle_request(&f.tx("second request", owner, consumer, &request("0x0024080113")));
    f.tx("fulfil by a stranger", owner, operator, &fulfil(&second, 7));
    let cancel = ChainlinkConsumer::cancelCall {
        requestId: second.requestId,
        payment: second.payment,
        expiration: second.cancelExpiration,
    };
    f.tx("cancel before expiry", owner, consumer, &cancel);
    f.b.increase_time(301);
    f.tx("cancel after expiry", owner, consumer, &cancel);
    Trace {
        last_value: f.read(consumer, &ChainlinkConsumer::lastValueCall {}),
        consumer_link: f.read(link, &LinkToken::balanceOfCall { account: consumer }),
        operator_link: f.read(link, &LinkToken::balanceOfCall { account: operator }),
        requests: vec![first, second],
        steps: f.steps,
    }
}
