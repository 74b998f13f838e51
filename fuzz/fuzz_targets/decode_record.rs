//! Any bytes given to the call-record and edge-aggregate decoders: they must answer with a
//! record or a reject reason, never panic, and what decodes must survive a round trip.

#![no_main]

use libfuzzer_sys::fuzz_target;
use wheelhouse::telemetry::{kafka, record};

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = record::decode(data) {
        let again = record::encode(&r);
        assert!(
            record::decode(&again).is_ok(),
            "a decoded record encodes to a valid one"
        );
    }
    let _ = kafka::decode_edge(data);
});
