use super::*;
use proptest::prelude::*;

fn sample() -> CallRecord<'static> {
    CallRecord {
        ts_ms: 1_764_000_000_123,
        line: "trade".into(),
        env: "prod".into(),
        src: "gateway".into(),
        src_version: "5.1.2".into(),
        dst: "order".into(),
        dst_version: "4.2.1".into(),
        dst_canary: false,
        latency_ms: 12.5,
        outcome: Outcome::Ok,
        status: 200,
        tag: Some("beta-testers".into()),
        src_lane: None,
        dst_lane: None,
        weight: 1,
    }
}

#[test]
fn the_documented_example_decodes() {
    let text = br#"{"ts_ms":1764000000123,"line":"trade","env":"prod","src":"gateway","src_version":"5.1.2",
        "dst":"order","dst_version":"4.2.1","dst_canary":false,"latency_ms":12.5,
        "outcome":"ok","status":200,"tag":"beta-testers"}"#;
    assert_eq!(decode(text), Ok(sample()));
}

#[test]
fn rejects_are_named() {
    let good = String::from_utf8(encode(&sample())).unwrap();
    assert_eq!(decode(b"{not json"), Err(Reject::NotJson));
    assert_eq!(decode(b""), Err(Reject::NotJson));
    assert_eq!(
        decode(good.replace(r#""status":200,"#, "").as_bytes()),
        Err(Reject::MissingField)
    );
    assert_eq!(
        decode(
            good.replace(r#""status":200"#, r#""status":"200""#)
                .as_bytes()
        ),
        Err(Reject::WrongType)
    );
    assert_eq!(
        decode(
            good.replace(r#""status":200"#, r#""status":70000"#)
                .as_bytes()
        ),
        Err(Reject::OutOfRange)
    );
    assert_eq!(
        decode(
            good.replace(r#""latency_ms":12.5"#, r#""latency_ms":-1"#)
                .as_bytes()
        ),
        Err(Reject::OutOfRange)
    );
    assert_eq!(
        decode(
            good.replace(r#""outcome":"ok""#, r#""outcome":"maybe""#)
                .as_bytes()
        ),
        Err(Reject::OutOfRange)
    );
    assert_eq!(
        decode(good.replace(r#""src":"gateway""#, r#""src":"""#).as_bytes()),
        Err(Reject::OutOfRange)
    );
    let weighted = |w: &str| good.replace('}', &format!(r#","weight":{w}}}"#));
    assert_eq!(decode(weighted("0").as_bytes()), Err(Reject::OutOfRange));
    assert_eq!(
        decode(weighted("2000000").as_bytes()),
        Err(Reject::OutOfRange)
    );
    assert_eq!(decode(weighted("-3").as_bytes()), Err(Reject::OutOfRange));
    assert_eq!(decode(weighted("25").as_bytes()).map(|r| r.weight), Ok(25));
    assert_eq!(
        decode(good.replace('{', r#"{"extra":1,"#).as_bytes()),
        Err(Reject::UnknownField)
    );
    let big = format!(r#"{{"pad":"{}"}}"#, "x".repeat(MAX_RECORD_BYTES));
    assert_eq!(decode(big.as_bytes()), Err(Reject::Oversized));
}

#[test]
fn counts_add_up() {
    let mut c = RejectCounts::default();
    for r in [Reject::NotJson, Reject::NotJson, Reject::Oversized] {
        c.add(r);
    }
    assert_eq!(c.total(), 3);
    assert_eq!(c.get(Reject::NotJson), 2);
    assert_eq!(c.nonzero().count(), 2);
}

fn name() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9.\\-]{0,20}"
}

prop_compose! {
    fn record()(ts in 1i64..4_000_000_000_000, line in name(), env in name(), src in name(),
                sv in name(), dst in name(), dv in name(), canary in any::<bool>(),
                latency in 0.0f64..60_000.0, ok in any::<bool>(), status in 0u16..600,
                tag in proptest::option::of(name()), weight in 1u32..=MAX_WEIGHT) -> CallRecord<'static> {
        CallRecord {
            ts_ms: ts, line: line.into(), env: env.into(), src: src.into(), src_version: sv.into(),
            dst: dst.into(), dst_version: dv.into(), dst_canary: canary, latency_ms: latency,
            outcome: if ok { Outcome::Ok } else { Outcome::Error }, status, tag: tag.map(Into::into), src_lane: None, dst_lane: None,
            weight,
        }
    }
}

proptest! {
    #[test]
    fn valid_records_round_trip(r in record()) {
        let bytes = encode(&r);
        let back = decode(&bytes);
        prop_assert!(back.is_ok(), "{:?}", back);
        let mut back = back.unwrap_or_else(|_| sample());
        // JSON floats come back to within an ulp or so (serde_json's fast float parsing).
        prop_assert!((back.latency_ms - r.latency_ms).abs() <= r.latency_ms * 1e-12);
        back.latency_ms = r.latency_ms;
        prop_assert_eq!(back, r);
    }

    #[test]
    fn any_bytes_decode_or_reject_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode(&bytes);
    }

    #[test]
    fn a_truncated_record_is_rejected(r in record(), cut in 1usize..40) {
        let bytes = encode(&r);
        let cut = cut.min(bytes.len() - 1);
        prop_assert_eq!(decode(&bytes[..bytes.len() - cut]), Err(Reject::NotJson));
    }

    #[test]
    fn a_mutated_record_never_panics(r in record(), at in any::<usize>(), byte in any::<u8>()) {
        let mut bytes = encode(&r);
        let i = at % bytes.len();
        bytes[i] = byte;
        let _ = decode(&bytes);
    }
}

#[test]
fn a_record_names_the_lanes_of_its_versions() {
    let text = br#"{"ts_ms":1764000000123,"line":"trade","env":"integration","src":"order","src_version":"4.4.0",
        "src_lane":"checkout-v2","dst":"payment","dst_version":"2.2.0","dst_lane":"checkout-v2",
        "latency_ms":12.5,"outcome":"ok","status":200,"tag":"checkout-v2"}"#;
    let r = decode(text).unwrap();
    assert_eq!(r.src_lane.as_deref(), Some("checkout-v2"));
    assert_eq!(r.dst_lane.as_deref(), Some("checkout-v2"));
    assert_eq!(decode(&encode(&r)), Ok(r.clone()), "round trip");
    // Without them, the baseline; a lane name is a name like the others.
    assert_eq!(decode(&encode(&sample())).unwrap().dst_lane, None);
    let long = String::from_utf8(encode(&r)).unwrap().replace(
        r#""dst_lane":"checkout-v2""#,
        &format!(r#""dst_lane":"{}""#, "x".repeat(200)),
    );
    assert_eq!(decode(long.as_bytes()), Err(Reject::OutOfRange));
}
