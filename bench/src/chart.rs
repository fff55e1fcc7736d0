//! The report's bar chart: each program's time under each engine as a ratio
//! to gcc -O2, on a log scale so 1.1× and 40× both read clearly. SVG, so a
//! browser or any image viewer shows it and the file diffs as text.

use plotters::coord::combinators::BindKeyPoints;
use plotters::prelude::*;
use std::path::Path;

/// One bar colour per series, distinguishable in print and for the common
/// colour-vision deficiencies (Okabe and Ito's palette).
const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(213, 94, 0),
    RGBColor(120, 120, 120),
];

/// Draws grouped bars to the SVG file `path`: one group per entry of
/// `groups`, one bar per series (`None` leaves a gap), heights on a log
/// scale with a reference line at 1.
pub fn ratio_bars(
    path: &Path,
    title: &str,
    groups: &[&str],
    series: &[(&str, Vec<Option<f64>>)],
) -> Result<(), String> {
    let values = series.iter().flat_map(|(_, v)| v.iter().flatten());
    let (low, high) = values.fold((1.0f64, 1.0f64), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let floor = (low * 0.8).min(0.5);
    // Head room above the tallest bar for the legend.
    let ceiling = high * 4.0;
    let area = SVGBackend::new(path, (1100, 560)).into_drawing_area();
    area.fill(&WHITE).map_err(|e| e.to_string())?;
    // Each group is SLOT units wide on an integer axis (integer axes can
    // carry named key points); ticks at the groups' centres.
    const SLOT: i32 = 1000;
    let n = groups.len() as i32;
    let centres: Vec<i32> = (0..n).map(|i| i * SLOT + SLOT / 2).collect();
    let mut chart = ChartBuilder::on(&area)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .build_cartesian_2d(
            (0..n * SLOT).with_key_points(centres),
            (floor..ceiling).log_scale(),
        )
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .max_light_lines(0)
        .y_labels(12)
        .x_label_formatter(&|x| {
            groups
                .get((x / SLOT) as usize)
                .map_or(String::new(), |g| g.to_string())
        })
        .y_desc("time / gcc -O2 time (log scale)")
        .y_label_formatter(&|y| format!("{y}×"))
        .draw()
        .map_err(|e| e.to_string())?;
    let width = SLOT * 8 / 10 / series.len() as i32;
    for (k, (label, heights)) in series.iter().enumerate() {
        let colour = PALETTE[k % PALETTE.len()];
        let bars = heights.iter().enumerate().filter_map(|(i, h)| {
            let left = i as i32 * SLOT + SLOT / 10 + k as i32 * width;
            h.map(|h| Rectangle::new([(left, floor), (left + width * 9 / 10, h)], colour.filled()))
        });
        chart
            .draw_series(bars)
            .map_err(|e| e.to_string())?
            .label(*label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled()));
    }
    chart
        .draw_series(LineSeries::new(
            [(0, 1.0), (n * SLOT, 1.0)],
            BLACK.stroke_width(1),
        ))
        .map_err(|e| e.to_string())?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(|e| e.to_string())?;
    area.present().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_every_group_and_series() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("chart.svg");
        ratio_bars(
            &path,
            "test chart",
            &["alpha", "beta"],
            &[
                ("fast", vec![Some(0.9), Some(1.2)]),
                ("slow", vec![Some(30.0), None]),
            ],
        )
        .expect("draws");
        let svg = std::fs::read_to_string(&path).expect("written");
        for text in ["test chart", "alpha", "beta", "fast", "slow"] {
            assert!(svg.contains(text), "{text} missing from the chart");
        }
        // Three bars, one legend swatch per series, and the background.
        assert!(svg.matches("<rect").count() >= 3 + 2 + 1);
    }
}
