//! GS1 parsing: the specification's examples, every error message, a corpus
//! of label scans as they really are (element strings, bracketed, Digital
//! Link, plain GTINs), round trips, and totality (never panics; every
//! refusal says why).
use super::*;
use proptest::prelude::*;

fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn err(input: &str) -> String {
    parse_with_year(input, None, 2026).unwrap_err().message
}

const GTIN: &str = "09506000134352";

#[test]
fn spec_examples() {
    let d = parse("(01)09506000134352(17)201231(10)ABC123", None).unwrap();
    assert_eq!(d.gtin.as_deref(), Some(GTIN));
    assert_eq!(d.expiry, ymd(2020, 12, 31));
    assert_eq!(d.lot.as_deref(), Some("ABC123"));
    assert!(gtin_check_digit_valid(GTIN));

    let d = parse("]d2\u{1d}01095060001343521714123110AB-123", None).unwrap();
    assert_eq!(d.gtin.as_deref(), Some(GTIN));
    assert_eq!(d.expiry, ymd(2014, 12, 31));
    assert_eq!(d.lot.as_deref(), Some("AB-123"));

    let d = parse("]C10109506000134352\u{1d}10ABC\u{1d}21XYZ\u{1d}", None).unwrap();
    assert_eq!(d.lot.as_deref(), Some("ABC"));
    assert_eq!(d.serial.as_deref(), Some("XYZ"));
    assert_eq!(d.expiry, None);
}

#[test]
fn day_00_and_century() {
    let d = parse_with_year("1724020015250200110312001", None, 2026);
    assert!(d.is_err()); // trailing "1" is not an AI
    let d = parse_with_year("172402001525020011031200", None, 2026).unwrap();
    assert_eq!(d.expiry, ymd(2024, 2, 29));
    assert_eq!(d.best_before, ymd(2025, 2, 28));
    assert_eq!(d.production_date, ymd(2003, 12, 1));
    let year = |yy: &str, now| parse_with_year(&format!("17{yy}0101"), None, now).unwrap();
    assert_eq!(year("76", 2026).expiry, ymd(2076, 1, 1));
    assert_eq!(year("77", 2026).expiry, ymd(1977, 1, 1));
    assert_eq!(year("10", 2090).expiry, ymd(2110, 1, 1));
    assert_eq!(year("40", 2090).expiry, ymd(2140, 1, 1));
    assert_eq!(year("41", 2090).expiry, ymd(2041, 1, 1));
}

#[test]
fn input_forms() {
    let want = parse("(01)09506000134352(17)201231(10)ABC123", None).unwrap();
    for s in [
        "  (01)09506000134352 (17)201231 (10)ABC123 \r\n",
        "(01)09506000134352\u{1d}(17)201231|(10)ABC123|",
        "]Q3\u{1d}0109506000134352|17201231|10ABC123|",
        "|01095060001343521720123110ABC123",
        "\t]e001095060001343521720123110ABC123\r\n",
    ] {
        assert_eq!(parse(s, Some('|')), Ok(want.clone()), "{s:?}");
    }
    // Without the substitute configured '|' is just an illegal lot character.
    assert_eq!(
        parse("\u{1d}(10)A", None).unwrap().lot.as_deref(),
        Some("A")
    );
    assert!(
        parse("10ABC|21XYZ", None)
            .unwrap_err()
            .message
            .contains("'|'")
    );
    assert_eq!(
        parse("10ABC~21XYZ", Some('~')).unwrap().serial.as_deref(),
        Some("XYZ")
    );
}

#[test]
fn gtin_fallback_and_ignored_ais() {
    let d = parse(
        "(00)106141411234567897(02)09506000134352(30)12(240)A-1(241)X",
        None,
    );
    assert_eq!(d.unwrap().gtin.as_deref(), Some(GTIN));
    let d = parse("0209506000134352\u{1d}0100000000000000", None).unwrap();
    assert_eq!(d.gtin.as_deref(), Some("00000000000000"));
    let d = parse("00106141411234567897240PART-7\u{1d}3010\u{1d}10L1", None).unwrap();
    assert_eq!(d.lot.as_deref(), Some("L1"));
}

#[test]
fn formatting() {
    let d = Gs1Data {
        gtin: Some(GTIN.into()),
        expiry: ymd(2020, 12, 31),
        lot: Some("ABC".into()),
        serial: Some("XYZ".into()),
        best_before: None,
        production_date: ymd(2019, 1, 2),
        ..Gs1Data::default()
    };
    assert_eq!(
        format_element_string(&d),
        "0109506000134352\
         11190102\
         17201231\
         10ABC\u{1d}\
         21XYZ"
    );
    assert_eq!(
        format_human(&d),
        "(01)09506000134352(11)190102(17)201231(10)ABC(21)XYZ"
    );
    let lot_only = Gs1Data {
        lot: Some("L".into()),
        ..Default::default()
    };
    assert_eq!(format_element_string(&lot_only), "10L");
    assert_eq!(format_element_string(&Gs1Data::default()), "");
}

#[test]
fn gtins() {
    assert_eq!(normalize_gtin("4006381333931").unwrap(), "04006381333931");
    assert_eq!(normalize_gtin(" 036000291452").unwrap(), "00036000291452");
    assert_eq!(normalize_gtin("96385074").unwrap(), "00000096385074");
    assert_eq!(normalize_gtin(GTIN).unwrap(), GTIN);
    let e = normalize_gtin("4006381333932").unwrap_err().message;
    assert_eq!(e, "GTIN check digit is 2, expected 1");
    assert!(
        normalize_gtin("123456789")
            .unwrap_err()
            .message
            .contains("found 9")
    );
    assert!(normalize_gtin("12345a78").is_err());
    assert!(!gtin_check_digit_valid("09506000134353"));
    assert!(!gtin_check_digit_valid("0950600013435"));
    assert!(!gtin_check_digit_valid("0950600013435é"));
    assert!(!gtin_check_digit_valid("+9506000134352"));
    assert_eq!(gs1_check_digit(""), None);
}

#[test]
fn errors() {
    let cases = [
        ("", "empty scan"),
        (" \r\n", "empty scan"),
        ("]d2\u{1d}", "empty scan"),
        ("0109506000134353", "GTIN check digit is 3, expected 2"),
        (
            "0209506000134353",
            "contained GTIN check digit is 3, expected 2",
        ),
        (
            "010950600013435259ABC",
            "unknown application identifier (59) at position 17",
        ),
        (
            "01095060001343523106000123",
            "unknown application identifier (3106)",
        ),
        (
            "0109506000134352249",
            "unknown application identifier (249)",
        ),
        (
            "(59)ABC",
            "unknown application identifier (59) at position 1",
        ),
        (
            "(99)ABC",
            "no GTIN, lot, serial number or expiry date (it carries Company internal information (99))",
        ),
        (
            "0109506000134352171412",
            "expiry date (17) at position 17 is truncated: needs 6 characters, found 4",
        ),
        (
            "01095060001343\u{1d}10A",
            "GTIN (01) at position 1 is truncated",
        ),
        (
            "(17)2012",
            "expiry date (17) at position 1 must be 6 characters, found 4",
        ),
        ("17141331", "month 13 is not valid"),
        ("17250230", "day 30 is not valid for 2025-02"),
        (
            "1700aa01",
            "expiry date (17) contains non-digit 'a' at position 5",
        ),
        (
            "10ABCDEFGHIJKLMNOPQRSTU",
            "lot (10) is longer than 20 characters",
        ),
        (
            "10ABC21XYZ0123456789ABC",
            "lot (10) is longer than 20 characters",
        ),
        (
            "10AB\u{e9}",
            "lot (10) contains illegal character '\u{e9}' at position 5",
        ),
        (
            "(10)AB CD",
            "lot (10) contains illegal character ' ' at position 7",
        ),
        (
            "10A\u{1d}21\u{1}",
            "serial (21) contains illegal character '\\u{1}'",
        ),
        (
            "10A\u{1d}10B",
            "application identifier (10) appears twice (again at position 5)",
        ),
        ("10\u{1d}21X", "lot (10) at position 1 is empty"),
        (
            "]d1ABC",
            "not a GS1 barcode: a plain QR code or Data Matrix",
        ),
        ("]X9ABC", "unsupported symbology identifier ]X9"),
        (
            "ABC",
            "expected an application identifier at position 1, found 'A'",
        ),
        ("(01", "missing ')' after '(' at position 1"),
        ("(10)A x", "illegal character ' '"),
        ("(10)A)x(21", "missing ')'"),
        ("x(10)A", "expected an application identifier"),
    ];
    for (input, want) in cases {
        let got = err(input);
        assert!(got.contains(want), "{input:?}: got {got:?}, want {want:?}");
    }
    let e = parse("", None).unwrap_err();
    assert_eq!(e.to_string(), "empty scan");
    let _: &dyn std::error::Error = &e;
}

const CSET82: &str =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!\"%&'()*+,-./:;<=>?_";
/// Bracketed form cannot carry '(' inside values (see [`parse`]).
const CSET82_NO_OPEN_PAREN: &str =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!\"%&')*+,-./:;<=>?_";

fn value(charset: &'static str) -> impl Strategy<Value = String> {
    let cs: Vec<char> = charset.chars().collect();
    prop::collection::vec(prop::sample::select(cs), 1..=20).prop_map(String::from_iter)
}

fn date() -> impl Strategy<Value = NaiveDate> {
    let first = ymd(2000, 1, 1).unwrap();
    (0i64..18262).prop_map(move |n| first + chrono::Duration::days(n))
}

fn gtin() -> impl Strategy<Value = String> {
    prop::collection::vec(0u32..10, 13).prop_map(|ds| {
        let body: String = ds.iter().map(|d| char::from(b'0' + *d as u8)).collect();
        let check = gs1_check_digit(&body).unwrap();
        format!("{body}{check}")
    })
}

fn data(charset: &'static str) -> impl Strategy<Value = Gs1Data> {
    let opt_date = || proptest::option::of(date());
    (
        proptest::option::of(gtin()),
        (opt_date(), opt_date(), opt_date()),
        proptest::option::of(value(charset)),
        proptest::option::of(value(charset)),
    )
        .prop_map(
            |(gtin, (expiry, best_before, production_date), lot, serial)| Gs1Data {
                gtin,
                expiry,
                lot,
                serial,
                best_before,
                production_date,
                ..Gs1Data::default()
            },
        )
        .prop_filter("nothing the stock system uses", |d| {
            d.gtin.is_some() || d.lot.is_some() || d.serial.is_some() || d.expiry.is_some()
        })
}

proptest! {
    #[test]
    fn element_string_round_trip(d in data(CSET82)) {
        prop_assert_eq!(parse(&format_element_string(&d), None), Ok(d.clone()));
        let scanned = format!("]d2\u{1d}{}\r\n", format_element_string(&d));
        prop_assert_eq!(parse(&scanned, None), Ok(d));
    }

    #[test]
    fn human_round_trip(d in data(CSET82_NO_OPEN_PAREN)) {
        prop_assert_eq!(parse(&format_human(&d), None), Ok(d));
    }

    #[test]
    fn never_panics(s in any::<String>(), sep in proptest::option::of(any::<char>())) {
        let _ = parse(&s, sep);
    }

    #[test]
    fn never_panics_on_gs1ish(s in "[\\]dCQe0-9()\\x1d| \\r\\né]{0,50}", year in -3000i32..3000) {
        let _ = parse_with_year(&s, Some('|'), year);
        let _ = normalize_gtin(&s);
        let _ = gtin_check_digit_valid(&s);
    }
}

/// The label corpus: every line parses, names its product or lot, and
/// reads the same again from its bracketed form.
#[test]
fn every_label_in_the_corpus_parses() {
    let corpus = include_str!("labels.txt");
    let mut n = 0;
    for line in corpus
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        n += 1;
        let scan = line.replace("<GS>", "\u{1d}");
        let d = parse_with_year(&scan, None, 2026).unwrap_or_else(|e| panic!("{line}: {e}"));
        assert!(d.gtin.is_some(), "{line}: no GTIN in {d:?}");
        assert!(gtin_check_digit_valid(d.gtin.as_deref().unwrap()), "{line}");
        let again = parse_with_year(&format_human(&d), None, 2026);
        assert_eq!(again.as_ref(), Ok(&d), "{line} → {}", format_human(&d));
        let raw = parse_with_year(&format_element_string(&d), None, 2026);
        assert_eq!(
            raw.as_ref(),
            Ok(&d),
            "{line} → {:?}",
            format_element_string(&d)
        );
    }
    assert_eq!(n, CORPUS_LINES);
}

/// Lines in `labels.txt` (14 of them parsed before issue 15).
const CORPUS_LINES: usize = 59;

#[test]
fn new_application_identifiers_are_read() {
    let year = 2026;
    // (11) with day 00 and (13) packaging date.
    let d = parse_with_year("(01)09506000134352(11)250300(13)250400(10)X1", None, year).unwrap();
    assert_eq!(d.production_date, ymd(2025, 3, 1));
    assert_eq!(d.packaging_date, ymd(2025, 4, 1));
    // (37) count and a (3103) net weight in kg with 3 decimals.
    let d = parse_with_year(
        "0109506000134352310300125017271231\u{1d}10W1\u{1d}3724",
        None,
        year,
    )
    .unwrap();
    assert_eq!(d.count, Some(24));
    assert_eq!(d.expiry, ymd(2027, 12, 31));
    assert_eq!(d.lot.as_deref(), Some("W1"));
    assert_eq!(d.measures.len(), 1);
    assert_eq!(d.measures[0].ai, "3103");
    assert_eq!(d.measures[0].decimal(), "1.250");
    assert!(
        d.measures[0].name().contains("kilograms"),
        "{}",
        d.measures[0].name()
    );
    // (3202) pounds with 2 decimals, (3650) with none.
    let d = parse_with_year(
        "(01)09506000134352(3202)000125(3650)000002(10)LB",
        None,
        year,
    )
    .unwrap();
    assert_eq!(d.measures[0].decimal(), "1.25");
    assert_eq!(d.measures[1].decimal(), "2");
    // (7003) expiry date and time gives the expiry when (17) is absent.
    let d = parse_with_year("(01)09506000134352(7003)2712312359(10)ET", None, year).unwrap();
    assert_eq!(
        d.expiry_time,
        ymd(2027, 12, 31).and_then(|d| d.and_hms_opt(23, 59, 0))
    );
    assert_eq!(d.expiry, ymd(2027, 12, 31));
    // With (17) present, (17) stays the expiry.
    let d = parse_with_year(
        "(01)09506000134352(17)271130(7003)2712311200(10)ET",
        None,
        year,
    )
    .unwrap();
    assert_eq!(d.expiry, ymd(2027, 11, 30));
    // (240) additional id, (21) serial, (30) count; other AIs kept as read.
    let d = parse_with_year(
        "(01)09506000134352(21)S-9(240)REF-1(30)12(422)826(91)X",
        None,
        year,
    )
    .unwrap();
    assert_eq!(d.serial.as_deref(), Some("S-9"));
    assert_eq!(d.additional_id.as_deref(), Some("REF-1"));
    assert_eq!(d.variable_count, Some(12));
    assert_eq!(
        d.other,
        vec![
            ("422".to_string(), "826".to_string()),
            ("91".into(), "X".into())
        ]
    );
}

#[test]
fn digital_link_uris() {
    let year = 2026;
    let d = parse_with_year(
        "https://id.gs1.org/01/09506000134352/10/ABC123?17=271231",
        None,
        year,
    )
    .unwrap();
    assert_eq!(d.gtin.as_deref(), Some(GTIN));
    assert_eq!(d.lot.as_deref(), Some("ABC123"));
    assert_eq!(d.expiry, ymd(2027, 12, 31));
    // A path prefix, a serial, percent-encoding, a GTIN-13, non-AI parameters.
    let d = parse_with_year(
        "https://brand.example/p/01/4006381333931/10/LOT%2F7/21/S%201?17=280600&linkType=gs1:pip",
        None,
        year,
    );
    let d = d.unwrap_err();
    assert!(
        d.message
            .contains("serial (21) contains illegal character ' '"),
        "{d}"
    );
    let d = parse_with_year(
        "]Q1https://brand.example/p/01/4006381333931/10/LOT%2F7?17=280600&linkType=gs1:pip",
        None,
        year,
    )
    .unwrap();
    assert_eq!(d.gtin.as_deref(), Some("04006381333931"));
    assert_eq!(d.lot.as_deref(), Some("LOT/7"));
    assert_eq!(d.expiry, ymd(2028, 6, 30));
    // Query AIs: lot and a measure.
    let d = parse_with_year(
        "https://id.gs1.org/01/09506000134352?10=Q1&3103=000195",
        None,
        year,
    )
    .unwrap();
    assert_eq!(d.lot.as_deref(), Some("Q1"));
    assert_eq!(d.measures[0].decimal(), "0.195");
    for (uri, want) in [
        (
            "https://example.com/products/123",
            "not a GS1 Digital Link: its path has no /01/{GTIN}",
        ),
        (
            "https://id.gs1.org/01/09506000134353/10/A",
            "GTIN check digit is 3, expected 2",
        ),
        (
            "https://id.gs1.org/01/09506000134352/10",
            "/10 at position 38 has no value",
        ),
        (
            "https://id.gs1.org/01/09506000134352/59/A",
            "unknown application identifier (59)",
        ),
        (
            "https://id.gs1.org/01/09506000134352/10/A%ZZ",
            "bad percent-encoding at position 42",
        ),
        (
            "https://id.gs1.org/01/09506000134352/10/A?17=271232",
            "day 32 is not valid",
        ),
        ("]Q1HELLO", "not a GS1 barcode: a plain QR code"),
    ] {
        let e = parse_with_year(uri, None, year).unwrap_err().message;
        assert!(e.contains(want), "{uri}: got {e:?}, want {want:?}");
    }
}

#[test]
fn plain_gtins_from_ean_upc_and_itf14() {
    for (scan, gtin) in [
        ("4006381333931", "04006381333931"),
        ("]E04006381333931", "04006381333931"),
        ("036000291452", "00036000291452"),
        ("]E496385074", "00000096385074"),
        ("15012345678907", "15012345678907"),
        ("]I115012345678907", "15012345678907"),
    ] {
        let d = parse(scan, None).unwrap_or_else(|e| panic!("{scan}: {e}"));
        assert_eq!(d.gtin.as_deref(), Some(gtin), "{scan}");
        assert_eq!(d.lot, None);
    }
    let e = parse("]E04006381333932", None).unwrap_err().message;
    assert!(e.contains("EAN/UPC or ITF-14 barcode"), "{e}");
    // Not a GTIN, not an element string.
    let e = parse("4006381333932", None).unwrap_err().message;
    assert!(e.contains("this GS1 scan has no GTIN"), "{e}");
}

fn measure() -> impl Strategy<Value = Measure> {
    (
        prop::sample::select(vec!["3100", "3103", "3105", "3202", "3300", "3650", "3611"]),
        prop::collection::vec(0u32..10, 6),
    )
        .prop_map(|(ai, ds)| Measure {
            ai: ai.to_string(),
            digits: ds.iter().map(|d| char::from(b'0' + *d as u8)).collect(),
        })
}

fn rich_data() -> impl Strategy<Value = Gs1Data> {
    (
        data(CSET82_NO_OPEN_PAREN),
        proptest::option::of(date()),
        proptest::option::of((date(), 0u32..24, 0u32..60)),
        proptest::option::of(1u64..=99_999_999),
        proptest::option::of(1u64..=99_999_999),
        proptest::option::of(value(CSET82_NO_OPEN_PAREN)),
        prop::collection::vec(measure(), 0..=2),
    )
        .prop_map(|(mut d, packaging, time, count, var, extra, mut ms)| {
            d.packaging_date = packaging;
            d.expiry_time = time.and_then(|(day, h, m)| day.and_hms_opt(h, m, 0));
            if d.expiry.is_none() {
                d.expiry = d.expiry_time.map(|t| t.date());
            }
            d.count = count;
            d.variable_count = var;
            d.additional_id = extra;
            ms.dedup_by(|a, b| a.ai == b.ai);
            d.measures = ms;
            d
        })
}

proptest! {
    #[test]
    fn rich_round_trip(d in rich_data()) {
        prop_assert_eq!(parse(&format_element_string(&d), None), Ok(d.clone()));
        prop_assert_eq!(parse(&format_human(&d), None), Ok(d));
    }

    /// Totality: whatever comes in (element-string-like, bracketed, web
    /// addresses, symbology identifiers), the parser answers without
    /// panicking, and a refusal always says why.
    #[test]
    fn total_and_every_refusal_says_why(
        s in prop_oneof![
            any::<String>(),
            "[\\]dCQEIe0-9()\\x1d| \\r\\né%?=&/:a-z]{0,60}",
            "(\\]Q1|\\]d2|)https?://[a-z.]{0,8}(/[0-9A-Za-z%]{0,16}){0,6}(\\?[0-9a-z=&%]{0,30})?",
            "(\\([0-9]{2,4}\\)[0-9A-Za-z]{0,22}){0,5}",
        ],
        year in -3000i32..3000,
    ) {
        match parse_with_year(&s, Some('|'), year) {
            Ok(d) => prop_assert!(
                d.gtin.is_some() || d.lot.is_some() || d.serial.is_some() || d.expiry.is_some()
            ),
            Err(e) => prop_assert!(e.message.len() >= 10, "{:?} → {:?}", s, e.message),
        }
    }
}
