//! px-don's reports on Chainlink's real `KeystoneForwarder` (compiled from
//! `@chainlink/contracts` 1.5.0) on px-devnet, configured for 4 signers with f = 1: f + 1
//! signatures are accepted and delivered with the 64-byte metadata; f signatures, a signer
//! outside the configuration and a replayed transmission are refused.

mod common;

use alloy::{
    primitives::{B256, Bytes, U256},
    signers::local::PrivateKeySigner,
};
use common::*;
use px_don::{
    don::WRITE_REPORT_GAS_LIMIT,
    forwarder::{
        self,
        IKeystoneForwarder::{self, IKeystoneForwarderErrors},
    },
    report::{self, REPORT_ID, ReportHeader, SyncReport},
};

fn payload() -> Vec<u8> {
    SyncReport {
        request_id: B256::repeat_byte(0x11),
        token_id: U256::from(7),
        sequence: 2,
        used_bytes: 2000,
        upload_count: 2,
        metadata_digest: B256::repeat_byte(0x22),
        signatures: Bytes::from(vec![0x33; 65]),
    }
    .encode()
}

struct Signed {
    header: ReportHeader,
    raw: Vec<u8>,
    context: [u8; 96],
}

fn signed_report(execution: u8) -> Signed {
    let header = ReportHeader::new(&identity(), B256::repeat_byte(execution), 1_700_000_000);
    let raw = header.raw_report(&payload());
    Signed { header, raw, context: report::report_context(B256::repeat_byte(0xcd), 1) }
}

fn sigs(s: &Signed, by: &[&PrivateKeySigner]) -> Vec<[u8; 65]> {
    by.iter().map(|k| report::sign(k, &s.raw, &s.context).unwrap()).collect()
}

async fn refusal(setup: &Setup, s: &Signed, signatures: &[[u8; 65]]) -> IKeystoneForwarderErrors {
    let fwd = IKeystoneForwarder::new(setup.forwarder, setup.transmitter.clone());
    let call = forwarder::report_call(setup.receiver, s.raw.clone(), &s.context, signatures);
    let err = fwd
        .report(call.receiver, call.rawReport, call.reportContext, call.signatures)
        .call()
        .await
        .expect_err("the forwarder must refuse");
    err.as_decoded_interface_error::<IKeystoneForwarderErrors>().unwrap_or_else(|| panic!("{err}"))
}

#[tokio::test]
async fn f_plus_one_signatures_are_accepted_and_delivered_with_the_metadata() {
    let setup = Setup::new().await;
    let s = signed_report(1);
    let signatures = sigs(&s, &[&setup.signers[0], &setup.signers[2]]);
    let call = forwarder::report_call(setup.receiver, s.raw.clone(), &s.context, &signatures);
    let tx =
        forwarder::transmit(&setup.transmitter, setup.forwarder, &call, WRITE_REPORT_GAS_LIMIT)
            .await
            .unwrap();
    let receipt = receipt(&setup.transmitter, tx).await;
    // The measured figure behind WRITE_REPORT_GAS_LIMIT (fixture receiver).
    eprintln!("KeystoneForwarder.report, 2 signatures, fixture receiver: {} gas", receipt.gas_used);
    let got = received(&receipt);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].forwarder, setup.forwarder);
    assert_eq!(got[0].metadata.as_ref(), s.header.receiver_metadata().as_slice());
    assert_eq!(got[0].metadata.len(), 64);
    assert_eq!(got[0].report.as_ref(), payload().as_slice());
    let fwd = IKeystoneForwarder::new(setup.forwarder, setup.transmitter.clone());
    let info = fwd
        .getTransmissionInfo(setup.receiver, s.header.execution_id, REPORT_ID.into())
        .call()
        .await
        .unwrap();
    assert_eq!(info.state, IKeystoneForwarder::TransmissionState::SUCCEEDED);
    assert_eq!(info.transmitter, setup.transmitter_address);
    assert_eq!(
        info.transmissionId,
        report::transmission_id(setup.receiver, s.header.execution_id, REPORT_ID)
    );
}

#[tokio::test]
async fn f_signatures_are_refused() {
    let setup = Setup::new().await;
    let s = signed_report(2);
    let got = refusal(&setup, &s, &sigs(&s, &[&setup.signers[1]])).await;
    assert_eq!(
        got,
        IKeystoneForwarderErrors::InvalidSignatureCount(
            IKeystoneForwarder::InvalidSignatureCount {
                expected: U256::from(2),
                received: U256::from(1),
            }
        )
    );
}

#[tokio::test]
async fn a_signer_outside_the_configuration_is_refused() {
    let setup = Setup::new().await;
    let s = signed_report(3);
    let outsider = PrivateKeySigner::random();
    let got = refusal(&setup, &s, &sigs(&s, &[&setup.signers[0], &outsider])).await;
    assert_eq!(
        got,
        IKeystoneForwarderErrors::InvalidSigner(IKeystoneForwarder::InvalidSigner {
            signer: outsider.address()
        })
    );
}

#[tokio::test]
async fn a_report_signed_for_another_context_is_refused() {
    let setup = Setup::new().await;
    let s = signed_report(4);
    let mut signatures = sigs(&s, &[&setup.signers[0], &setup.signers[1]]);
    // Signed over sequence number 2, sent with the context of sequence number 1: the hash
    // differs, so the signer recovered is nobody in the configuration.
    let other = report::report_context(B256::repeat_byte(0xcd), 2);
    signatures[1] = report::sign(&setup.signers[1], &s.raw, &other).unwrap();
    assert!(matches!(
        refusal(&setup, &s, &signatures).await,
        IKeystoneForwarderErrors::InvalidSigner(_)
    ));
}

#[tokio::test]
async fn a_replayed_transmission_is_refused() {
    let setup = Setup::new().await;
    let s = signed_report(5);
    let signatures = sigs(&s, &[&setup.signers[0], &setup.signers[1]]);
    let call = forwarder::report_call(setup.receiver, s.raw.clone(), &s.context, &signatures);
    forwarder::transmit(&setup.transmitter, setup.forwarder, &call, WRITE_REPORT_GAS_LIMIT)
        .await
        .unwrap();
    // Even re-signed by the other two nodes, the same execution and report id is one delivery.
    let again = sigs(&s, &[&setup.signers[2], &setup.signers[3]]);
    assert_eq!(
        refusal(&setup, &s, &again).await,
        IKeystoneForwarderErrors::AlreadyAttempted(IKeystoneForwarder::AlreadyAttempted {
            transmissionId: report::transmission_id(
                setup.receiver,
                s.header.execution_id,
                REPORT_ID
            ),
        })
    );
    let recorder = IReportRecorder::new(setup.receiver, setup.owner.clone());
    assert_eq!(recorder.reports().call().await.unwrap(), U256::from(1));
}
