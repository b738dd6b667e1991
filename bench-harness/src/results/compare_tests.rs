use super::*;

const HEADER: &str = "warmup,round,order,app,topology,workers,loops,packets,mpps,rtt_ns";

fn trials(name: &str, text: &str) -> Trials {
    Trials::parse(Path::new(name), text).unwrap_or_else(|e| panic!("{e:#}"))
}

/// A trials file with `app` x `workers` configurations, the values scaled by `scale`.
fn synthetic(name: &str, apps: &[&str], scale: f64) -> Trials {
    let mut text = format!("{HEADER}\ntrue,,0,{},rtc,1,1,100,999,1\n", apps[0]);
    let base = [10.0, 10.4, 9.7, 10.1, 9.9, 10.3, 9.8];
    for (round, v) in base.iter().enumerate() {
        for app in apps {
            let (mpps, rtt) = (v * scale, 100.0 * v * scale);
            text.push_str(&format!("false,{round},0,{app},rtc,2,1,100,{mpps},{rtt}\n"));
        }
    }
    trials(name, &text)
}

#[test]
fn key_and_metric_columns() {
    let t = synthetic("a.csv", &["x"], 1.0);
    let keys: Vec<&String> = t.header.iter().filter(|c| is_key_column(c, None)).collect();
    assert_eq!(keys, ["app", "topology", "workers"]);
    assert!(!is_key_column("workers", Some("workers")));
    for c in ["host_cpu", "latency_ns_p90", "result_delay_ns_max", "status", "gbps"] {
        assert!(!is_key_column(c, None), "{c}");
    }
    assert!(is_key_column("queue", Some("mpps")));
    use Direction::{HigherIsBetter as Up, LowerIsBetter as Down, Unknown};
    let of = ["mpps", "rtt_ns", "latency_ns_p90", "imbalance", "items"].map(Direction::of);
    assert_eq!(of, [Up, Down, Down, Down, Unknown]);

    let c = compare(&t, &t, None).unwrap();
    assert_eq!(c.key_columns, ["app", "topology", "workers"]);
    let metrics: Vec<&str> = c.tables.iter().map(|t| t.metric.as_str()).collect();
    assert_eq!(metrics, ["mpps", "rtt_ns"]);
    // The warm-up row is left out.
    assert_eq!((t.len(), t.left_out), (7, 1));
    assert_eq!(c.tables[0].rows[0].n_a, 7);
}

#[test]
fn twice_the_throughput_is_faster_and_twice_the_round_trip_worse() {
    let (a, b) = (synthetic("a.csv", &["x"], 1.0), synthetic("b.csv", &["x"], 2.0));
    let c = compare(&a, &b, None).unwrap();
    let mpps = &c.tables[0].rows[0];
    assert_eq!(mpps.config.label(), "app=x topology=rtc workers=2");
    let ratio = mpps.ratio.unwrap();
    assert!((ratio.median - 2.0).abs() < 1e-9, "{mpps:?}");
    assert!(ratio.lo > 1.0 && ratio.hi >= ratio.median, "{mpps:?}");
    assert_eq!(mpps.verdict, Change::Faster);
    assert_eq!(c.tables[1].rows[0].verdict, Change::Worse);
    // The other way round: slower and better.
    let c = compare(&b, &a, None).unwrap();
    assert_eq!(c.tables[0].rows[0].verdict, Change::Slower);
    assert_eq!(c.tables[1].rows[0].verdict, Change::Better);
}

#[test]
fn identical_samples_are_within_noise() {
    let a = synthetic("a.csv", &["x", "y"], 1.0);
    let c = compare(&a, &a, Some("mpps")).unwrap();
    assert_eq!(c.tables.len(), 1);
    assert_eq!(c.tables[0].rows.len(), 2);
    for row in &c.tables[0].rows {
        assert_eq!(row.ratio.map(|r| r.median), Some(1.0));
        assert_eq!(row.verdict, Change::WithinNoise, "{row:?}");
    }
    assert!(c.only_in_a.is_empty() && c.only_in_b.is_empty());
    // The JSON names the configuration's columns.
    let v = serde_json::to_value(&c).unwrap();
    assert_eq!(v["schema_version"], 1);
    let row = &v["tables"][0]["rows"][0];
    let config = serde_json::json!({"app": "x", "topology": "rtc", "workers": "2"});
    assert_eq!((&row["config"], &row["verdict"]), (&config, &"within noise".into()));
    assert_eq!(v["tables"][0]["direction"], "higher-is-better");
}

#[test]
fn configurations_only_one_side_has_are_listed() {
    let a = synthetic("a.csv", &["x", "only-a"], 1.0);
    let b = synthetic("b.csv", &["only-b", "x"], 1.0);
    let c = compare(&a, &b, None).unwrap();
    assert_eq!(c.tables[0].rows.len(), 1);
    assert_eq!(c.tables[0].rows[0].config.label(), "app=x topology=rtc workers=2");
    let labels = |v: &[Config]| v.iter().map(Config::label).collect::<Vec<_>>();
    assert_eq!(labels(&c.only_in_a), ["app=only-a topology=rtc workers=2"]);
    assert_eq!(labels(&c.only_in_b), ["app=only-b topology=rtc workers=2"]);
}

#[test]
fn failed_trials_and_empty_values_are_left_out() {
    let text = "queue,status,mitems_per_s,rtt_ns\nq,ok,5,\nq,timeout,1,\nq,ok,,7\n";
    let t = trials("s.csv", text);
    assert_eq!((t.len(), t.left_out), (2, 1));
    let c = compare(&t, &t, None).unwrap();
    assert_eq!(c.key_columns, ["queue"]);
    let n: Vec<(usize, usize)> = c.tables.iter().map(|t| (t.rows[0].n_a, t.rows[0].n_b)).collect();
    assert_eq!(n, [(1, 1), (1, 1)]);
}

#[test]
fn quoted_fields_split_as_written() {
    let fields = split_fields(r#"a,"b,c","say ""hi""",,"""#).unwrap();
    assert_eq!(fields, ["a", "b,c", r#"say "hi""#, "", ""]);
    assert!(split_fields(r#"a,"b"#).is_err());
}

#[test]
fn malformed_files_name_the_line_and_the_column() {
    let bad = trials(
        "bad.csv",
        &format!("{HEADER}\nfalse,0,0,x,rtc,1,1,1,2.5,1\nfalse,1,0,x,rtc,1,1,1,fast,1\n"),
    );
    let good = synthetic("good.csv", &["x"], 1.0);
    let e = format!("{:#}", compare(&good, &bad, None).unwrap_err());
    assert_eq!(e, "bad.csv line 3, column `mpps`: `fast` is not a number");

    let parse = |name: &str, text: &str| match Trials::parse(Path::new(name), text) {
        Ok(_) => panic!("{name} parsed"),
        Err(e) => format!("{e:#}"),
    };
    let e = parse("v.csv", "1,2,3\n4,5,6\n");
    assert!(e.starts_with("v.csv line 1: no header line"), "{e}");
    assert_eq!(parse("e.csv", "\n"), "e.csv: empty file, no header line");
    let e = parse("f.csv", "app,mpps\nx,1\nx\n");
    assert_eq!(e, "f.csv line 3: 1 fields where the header has 2 columns");
    let e = format!("{:#}", compare(&good, &good, Some("nope")).unwrap_err());
    assert!(e.starts_with("no column `nope` in good.csv or good.csv"), "{e}");
    let e = format!("{:#}", Trials::read(Path::new("/nonexistent/t.csv")).unwrap_err());
    assert!(e.starts_with("cannot read /nonexistent/t.csv: "), "{e}");
}
