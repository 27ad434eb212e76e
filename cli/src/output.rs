//! What a command prints: human text by default, one JSON document with `--json`.

use serde_json::Value;

/// A command's result.
#[derive(Debug, Clone)]
pub struct Output {
    /// Lines for people.
    pub human: String,
    /// The same facts for scripts.
    pub json: Value,
    /// False when the command ran but found problems (`px doctor`): exit code 1.
    pub ok: bool,
}

impl Output {
    /// A successful result.
    pub fn new(human: impl Into<String>, json: Value) -> Self {
        Self { human: human.into(), json, ok: true }
    }

    /// Prints to stdout.
    pub fn print(&self, json: bool) {
        if json {
            println!("{}", self.json);
        } else if !self.human.is_empty() {
            println!("{}", self.human.trim_end());
        }
    }
}

/// Bytes in a human unit (binary prefixes).
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n;
    let mut unit = 0;
    while value >= 1024 && value.is_multiple_of(1024) && unit < UNITS.len() - 1 {
        value /= 1024;
        unit += 1;
    }
    if unit == 0 && n >= 1024 {
        // Not a whole number of KiB: show a rounded figure beside the exact bytes.
        #[allow(clippy::cast_precision_loss)] // display only
        let mib = n as f64 / f64::from(1u32 << 20);
        return format!("{n} B ({mib:.2} MiB)");
    }
    format!("{value} {}", UNITS[unit])
}

/// Wei in ETH, exactly (up to 18 decimals, trailing zeros cut).
pub fn eth(wei: alloy::primitives::U256) -> String {
    let one = alloy::primitives::U256::from(10u64).pow(alloy::primitives::U256::from(18));
    let whole = wei / one;
    let frac = wei % one;
    if frac.is_zero() {
        return format!("{whole} ETH");
    }
    let digits = format!("{frac:0>18}");
    format!("{whole}.{} ETH", digits.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_sizes_and_prices() {
        assert_eq!(bytes(100 << 20), "100 MiB");
        assert_eq!(bytes(1 << 30), "1 GiB");
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1500), "1500 B (0.00 MiB)");
        assert_eq!(eth(alloy::primitives::U256::from(1_500_000_000_000_000_000u128)), "1.5 ETH");
        assert_eq!(eth(alloy::primitives::U256::ZERO), "0 ETH");
    }
}
