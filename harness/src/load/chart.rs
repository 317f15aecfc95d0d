//! Line charts rendered to inline SVG with plotters (no fonts or images needed: text is
//! SVG `<text>`), for the HTML report's latency-over-time and throughput-over-time views.

use plotters::prelude::*;

/// One line of a chart.
pub struct Line<'a> {
    /// Legend label.
    pub label: &'a str,
    /// Colour.
    pub color: RGBColor,
    /// `(seconds, value)` points.
    pub points: Vec<(f64, f64)>,
}

/// An SVG line chart (720×260), or a short note when there is nothing to draw or drawing
/// fails (a report is never lost to a chart).
pub fn line_chart(title: &str, y_label: &str, lines: &[Line<'_>]) -> String {
    let points = lines.iter().flat_map(|l| &l.points);
    let x_max = points.clone().map(|p| p.0).fold(0.0, f64::max).max(1.0);
    let y_max = points.map(|p| p.1).fold(0.0, f64::max);
    if lines.iter().all(|l| l.points.is_empty()) {
        return format!("<p class=\"muted\">{title}: no data.</p>");
    }
    let y_max = if y_max <= 0.0 { 1.0 } else { y_max * 1.1 };
    let mut svg = String::new();
    let drawn = draw(&mut svg, title, y_label, lines, x_max, y_max);
    match drawn {
        Ok(()) => svg,
        Err(e) => format!("<p class=\"muted\">{title}: chart not drawn ({e}).</p>"),
    }
}

fn draw(
    svg: &mut String,
    title: &str,
    y_label: &str,
    lines: &[Line<'_>],
    x_max: f64,
    y_max: f64,
) -> Result<(), String> {
    let e = |e: &dyn std::fmt::Display| e.to_string();
    let root = SVGBackend::with_string(svg, (720, 260)).into_drawing_area();
    root.fill(&WHITE).map_err(|x| e(&x))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 15))
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(55)
        .build_cartesian_2d(0f64..x_max, 0f64..y_max)
        .map_err(|x| e(&x))?;
    chart
        .configure_mesh()
        .x_desc("seconds since start")
        .y_desc(y_label)
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(|x| e(&x))?;
    for line in lines {
        let color = line.color;
        chart
            .draw_series(LineSeries::new(
                line.points.iter().copied(),
                color.stroke_width(2),
            ))
            .map_err(|x| e(&x))?
            .label(line.label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .draw()
        .map_err(|x| e(&x))?;
    root.present().map_err(|x| e(&x))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_an_svg_with_a_legend_and_notes_empty_data() {
        let svg = line_chart(
            "Latency",
            "ms",
            &[Line {
                label: "p99",
                color: RED,
                points: vec![(0.0, 1.0), (1.0, 3.0), (2.0, 2.0)],
            }],
        );
        assert!(svg.starts_with("<svg"), "{}", &svg[..svg.len().min(80)]);
        assert!(svg.contains("p99") && svg.contains("<polyline"), "{svg}");
        let empty = line_chart("Latency", "ms", &[]);
        assert!(empty.contains("no data"));
    }
}
