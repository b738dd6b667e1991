//! Columns computed from a joined row's values: signed linear combinations (`syns + synacks -
//! acks`) and ratios (`bytes / conns`), exact in integers.

use serde::{Deserialize, Serialize};

use super::aggregate::Value;
use super::field::QueryError;

/// One term of a linear combination: `coef * col`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Term {
    /// The column read.
    pub col: String,
    /// Its coefficient.
    pub coef: i64,
}

/// How a computed column is made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expr {
    /// The sum of `coef * column` over the terms, a signed integer (computed in 128 bits,
    /// saturated to 64). Its columns must be integers (not means or ratios).
    Linear(Vec<Term>),
    /// `scale * num / den`, written with three decimals (`nan` when `den` is 0).
    Ratio {
        /// The numerator's column.
        num: String,
        /// The denominator's column.
        den: String,
        /// A factor on the numerator (100 for a percentage).
        #[serde(default = "one")]
        scale: u64,
    },
}

fn one() -> u64 {
    1
}

/// A computed column.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Computed {
    /// Its name.
    pub name: String,
    /// How it is made.
    #[serde(flatten)]
    pub expr: Expr,
    /// Whether it is left out of the output (a threshold's helper).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hidden: bool,
}

impl Computed {
    /// `name = sum of coef * col`.
    pub fn linear(name: &str, terms: &[(&str, i64)]) -> Self {
        let terms = terms.iter().map(|(c, k)| Term { col: (*c).into(), coef: *k }).collect();
        Self { name: name.into(), expr: Expr::Linear(terms), hidden: false }
    }

    /// `name = scale * num / den`.
    pub fn ratio(name: &str, num: &str, den: &str, scale: u64) -> Self {
        let expr = Expr::Ratio { num: num.into(), den: den.into(), scale };
        Self { name: name.into(), expr, hidden: false }
    }

    /// Leaves the column out of the output.
    pub fn hidden(mut self) -> Self {
        self.hidden = true;
        self
    }
}

/// What a column holds, for checking what a computed column may read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ColumnKind {
    /// An integer (count, sum, min, max, distinct, linear).
    Int,
    /// A fraction (mean, ratio).
    Fraction,
}

/// A computed column ready to evaluate over a row's values (indices into the row).
#[derive(Clone, Debug)]
pub(crate) enum CompiledExpr {
    Linear(Vec<(usize, i64)>),
    Ratio { num: usize, den: usize, scale: u64 },
}

impl CompiledExpr {
    /// Compiles `c` over the columns before it (`names`, `kinds`); `at` names it in errors.
    pub(crate) fn new(
        c: &Computed,
        names: &[String],
        kinds: &[ColumnKind],
        at: &str,
    ) -> Result<Self, QueryError> {
        let find = |col: &str| -> Result<usize, QueryError> {
            let i = names.iter().position(|n| n == col).ok_or_else(|| {
                QueryError::new(
                    at,
                    format!("no column is named '{col}'; the columns are {}", names.join(", ")),
                )
            })?;
            if kinds[i] != ColumnKind::Int {
                return Err(QueryError::new(
                    at,
                    format!("'{col}' is a fraction: computed columns read integers"),
                ));
            }
            Ok(i)
        };
        match &c.expr {
            Expr::Linear(terms) if terms.is_empty() => {
                Err(QueryError::new(at, "a linear column needs at least one term"))
            }
            Expr::Linear(terms) => Ok(CompiledExpr::Linear(
                terms.iter().map(|t| Ok((find(&t.col)?, t.coef))).collect::<Result<_, _>>()?,
            )),
            Expr::Ratio { num, den, scale } => {
                Ok(CompiledExpr::Ratio { num: find(num)?, den: find(den)?, scale: *scale })
            }
        }
    }

    /// What the column holds.
    pub(crate) fn kind(&self) -> ColumnKind {
        match self {
            CompiledExpr::Linear(_) => ColumnKind::Int,
            CompiledExpr::Ratio { .. } => ColumnKind::Fraction,
        }
    }

    /// The column's value over a row's values so far.
    pub(crate) fn eval(&self, row: &[Value]) -> Value {
        let int = |i: usize| row[i].as_int().unwrap_or(0);
        match self {
            CompiledExpr::Linear(terms) => {
                let v: i128 =
                    terms.iter().map(|&(i, k)| int(i).saturating_mul(i128::from(k))).sum();
                Value::Signed(v.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64)
            }
            CompiledExpr::Ratio { num, den, scale } => {
                let n = int(*num).saturating_mul(i128::from(*scale));
                let d = int(*den);
                // Both are counts or sums in every app; a negative part reads as 0.
                let clamp = |x: i128| x.clamp(0, i128::from(u64::MAX)) as u64;
                Value::Mean { sum: clamp(n), count: clamp(d) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_and_ratio_columns_compute_exactly() {
        let names: Vec<String> = ["a", "b", "m"].map(String::from).to_vec();
        let kinds = [ColumnKind::Int, ColumnKind::Int, ColumnKind::Fraction];
        let lin = Computed::linear("d", &[("a", 1), ("b", -3)]);
        let e = CompiledExpr::new(&lin, &names, &kinds, "q").unwrap();
        let row = [Value::Int(5), Value::Int(4), Value::Mean { sum: 1, count: 2 }];
        assert_eq!(e.eval(&row), Value::Signed(-7));
        let r =
            CompiledExpr::new(&Computed::ratio("p", "a", "b", 100), &names, &kinds, "q").unwrap();
        let mut s = String::new();
        r.eval(&row).format(&mut s);
        assert_eq!(s, "125.000");
        let zero = [Value::Int(5), Value::Int(0), Value::Int(0)];
        s.clear();
        r.eval(&zero).format(&mut s);
        assert_eq!(s, "nan");
        let bad = CompiledExpr::new(&Computed::linear("x", &[("m", 1)]), &names, &kinds, "q");
        assert!(bad.unwrap_err().to_string().contains("fraction"));
        let bad = CompiledExpr::new(&Computed::linear("x", &[("z", 1)]), &names, &kinds, "q");
        assert!(bad.unwrap_err().to_string().contains("the columns are a, b, m"));
    }
}
