//! How the report writes numbers: median and range of repetitions, digits for a number's size,
//! durations and verdicts.
//!
//! Pure functions; they must not read or write anything.

/// Median, min and max of a non-empty list.
pub(super) fn spread(values: &[f64]) -> Option<(f64, f64, f64)> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let median = if !n.is_multiple_of(2) {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    };
    Some((median, sorted[0], sorted[n - 1]))
}

/// A number with a sensible number of digits for its size; whole numbers stay whole.
pub(super) fn num(value: f64) -> String {
    if value >= 100.0 || (value.fract() == 0.0 && value.abs() < 1e15) {
        let whole = value.round() as u64;
        let digits = whole.to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else if value >= 1.0 {
        format!("{value:.2}")
    } else {
        format!("{value:.4}")
    }
}

pub(super) fn cell(values: &[f64]) -> (String, String) {
    match spread(values) {
        Some((median, low, high)) => (num(median), format!("{}–{}", num(low), num(high))),
        None => ("—".to_owned(), "not run".to_owned()),
    }
}

/// Like [`cell`] with four decimals: requests per call are compared with 1.001.
pub(super) fn cell4(values: &[f64]) -> (String, String) {
    match spread(values) {
        Some((median, low, high)) => (format!("{median:.4}"), format!("{low:.4}–{high:.4}")),
        None => ("—".to_owned(), "not run".to_owned()),
    }
}

/// A target's verdict.
pub(super) fn verdict(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "met",
        Some(false) => "**missed**",
        None => "not measured",
    }
}

pub(super) fn time(ns: f64) -> String {
    if ns >= 1_000_000.0 {
        format!("{:.2} ms", ns / 1_000_000.0)
    } else if ns >= 1_000.0 {
        format!("{:.2} µs", ns / 1_000.0)
    } else {
        format!("{ns:.1} ns")
    }
}

#[cfg(test)]
mod tests {
    use super::{num, spread};

    #[test]
    fn spread_is_median_min_max() {
        assert_eq!(spread(&[3.0, 1.0, 2.0]), Some((2.0, 1.0, 3.0)));
        assert_eq!(spread(&[4.0, 1.0, 2.0, 3.0]), Some((2.5, 1.0, 4.0)));
        assert_eq!(spread(&[]), None);
    }

    #[test]
    fn numbers_are_grouped_and_rounded() {
        assert_eq!(num(12_345.6), "12,346");
        assert_eq!(num(0.91234), "0.9123");
        assert_eq!(num(1.0001), "1.00");
        assert_eq!(num(0.0), "0");
        assert_eq!(num(50.0), "50");
    }
}
