//! The program through its ABI router, with calldata from the published bindings (`px-abi`),
//! and the core's `tokenURI` answer decoded as the core decodes it.

use alloy_primitives::U256;
use alloy_sol_types::{SolCall, SolInterface};
use px_abi::IPxRenderer::{self as abi, IPxRendererErrors};
use px_contract_testing::{call_router, route, uncalled};

use super::{CORE, Fixture, GIB, PEER_ID, attribute, decode_uri, peer_id_bytes, usage};
use crate::PxRenderer;

#[test]
fn every_function_answers_at_its_published_selector() {
    let f = Fixture::new();
    f.core_has(7, &usage(GIB, 50, 0, 0, 1), &peer_id_bytes());
    let uri = call_router::<PxRenderer, _>(&f.host, &abi::tokenURICall { tokenId: U256::from(7) })
        .unwrap();
    assert_eq!(attribute(&decode_uri(&uri), "BTNS name")["value"], PEER_ID);
    assert_eq!(call_router::<PxRenderer, _>(&f.host, &abi::coreCall {}), Ok(CORE));
    let missing = uncalled(include_str!("router.rs"), abi::IPxRendererCalls::SIGNATURES);
    assert!(missing.is_empty(), "not called through the router: {missing:?}");
}

#[test]
fn reverts_with_the_published_error() {
    let f = Fixture::new();
    let data =
        route::<PxRenderer>(&f.host, abi::tokenURICall { tokenId: U256::from(3) }.abi_encode())
            .unwrap_err();
    assert_eq!(
        IPxRendererErrors::abi_decode(&data).unwrap(),
        IPxRendererErrors::ERC721NonexistentToken(abi::ERC721NonexistentToken {
            tokenId: U256::from(3)
        })
    );
}
