//! The ranking as a spreadsheet.

use super::super::spreadsheet::{Cell, Csv, Separator};
use super::dto::RankingResponse;

pub(crate) fn ranking_csv(response: &RankingResponse, separator: Separator) -> String {
    let mut csv = Csv::new(
        separator,
        &[
            "rank",
            "application_id",
            "title",
            "status",
            "score",
            "count",
            "mean",
            "median",
            "std_dev",
            "min",
            "max",
            "normalized_mean",
            "disagreement",
            "requested_amount",
            "cumulative_amount",
            "fundable",
            "above_funding_line",
        ],
    );
    let two = |x: f64| Cell::Number(format!("{x:.2}"));
    for row in &response.rows {
        let a = &row.aggregate;
        let id = row.application_id.to_string();
        csv.row([
            Cell::Number(row.rank.to_string()),
            Cell::Text(&id),
            Cell::Text(row.title.as_deref().unwrap_or_default()),
            Cell::Text(&row.status),
            two(row.score),
            Cell::Number(a.count.to_string()),
            two(a.mean),
            two(a.median),
            two(a.std_dev),
            two(a.min),
            two(a.max),
            two(a.normalized_mean),
            Cell::Flag(a.disagreement),
            Cell::Number(row.requested_amount.clone()),
            Cell::Number(row.cumulative_amount.clone()),
            Cell::Flag(row.fundable),
            Cell::Flag(row.above_funding_line),
        ]);
    }
    csv.finish()
}
