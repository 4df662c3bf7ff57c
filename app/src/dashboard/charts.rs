//! Charts as SVG written by the server (hydration leaves them alone): horizontal bars with one
//! small panel per plotted series, or columns along time. Colours come from the theme's CSS
//! variables, so both themes read; every chart also shows its figures as a table on request.

use leptos::prelude::*;

use super::{Chart, ChartKind, ChartRow, PeriodQuery, Series, format_value};

const WIDTH: f64 = 720.0;
const LABEL_WIDTH: f64 = 190.0;
const GAP: f64 = 18.0;
const ROW: f64 = 24.0;
/// Room after a bar for its value.
const VALUE_ROOM: f64 = 62.0;

/// One chart: title, note, the drawing, its figures and the CSV link.
#[component]
pub fn ChartFigure(chart: Chart, period: PeriodQuery) -> impl IntoView {
    let slug = chart.id.slug();
    let csv = format!("/dashboard/{slug}.csv?{}", period.query_string());
    let heading_id = format!("chart-{slug}");
    let drawing = match chart.kind {
        ChartKind::Bars => bars(&chart, &heading_id).into_any(),
        ChartKind::Columns => columns(&chart, &heading_id).into_any(),
    };
    view! {
        <figure class="chart panel" data-chart=slug aria-labelledby=heading_id.clone()>
            <figcaption>
                <h2 id=heading_id.clone()>{chart.title.clone()}</h2>
                <p class="muted">{chart.note.clone()}</p>
            </figcaption>
            {drawing}
            <details>
                <summary>"Figures"</summary>
                <FiguresTable chart=chart.clone()/>
            </details>
            <p><a href=csv download>"Download CSV"</a></p>
        </figure>
    }
}

#[component]
fn FiguresTable(chart: Chart) -> impl IntoView {
    let series = chart.series.clone();
    view! {
        <table class="figures">
            <thead><tr>
                <th scope="col">{chart.label.clone()}</th>
                {chart.series.iter().map(|s| view! { <th scope="col">{s.name.clone()}</th> }).collect_view()}
            </tr></thead>
            <tbody>
                {chart.rows.into_iter().map(|r| {
                    let cells = r.values.iter().zip(&series)
                        .map(|(v, s)| view! { <td>{format_value(*v, s.unit)}</td> })
                        .collect_view();
                    view! { <tr><th scope="row">{r.label}</th>{cells}</tr> }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// The plotted series with their column index and the largest value (at least 1).
fn plotted(chart: &Chart) -> Vec<(usize, &Series, f64)> {
    chart
        .series
        .iter()
        .enumerate()
        .filter(|(_, s)| s.plotted)
        .map(|(i, s)| {
            let max = chart
                .rows
                .iter()
                .filter_map(|r| r.values.get(i).copied().flatten())
                .fold(0.0_f64, f64::max);
            (i, s, if max > 0.0 { max } else { 1.0 })
        })
        .collect()
}

fn value(row: &ChartRow, i: usize) -> Option<f64> {
    row.values.get(i).copied().flatten()
}

fn short(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_owned()
    } else {
        let mut s: String = label.chars().take(max - 1).collect();
        s.push('\u{2026}');
        s
    }
}

fn bars(chart: &Chart, labelled_by: &str) -> impl IntoView + use<> {
    let panels = plotted(chart);
    let n = panels.len().max(1) as f64;
    let panel_width = (WIDTH - LABEL_WIDTH - GAP * (n - 1.0)) / n;
    let height = ROW * (chart.rows.len() as f64 + 1.0) + 8.0;
    let heads = panels
        .iter()
        .enumerate()
        .map(|(j, (_, s, _))| {
            let x = LABEL_WIDTH + j as f64 * (panel_width + GAP);
            view! { <text class="series-name" x=x y="16">{s.name.clone()}</text> }
        })
        .collect_view();
    let rows = chart
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let y = ROW * (i as f64 + 1.0);
            let cells = panels
                .iter()
                .enumerate()
                .map(|(j, (col, s, max))| {
                    let x = LABEL_WIDTH + j as f64 * (panel_width + GAP);
                    let v = value(row, *col);
                    let w = v.map_or(0.0, |v| v / max * (panel_width - VALUE_ROOM)).max(0.0);
                    view! {
                        <rect class=format!("bar series-{j}") x=x y=y + 4.0 width=format!("{w:.1}") height="16"/>
                        <text class="value" x=format!("{:.1}", x + w + 4.0) y=y + 17.0>{format_value(v, s.unit)}</text>
                    }
                })
                .collect_view();
            view! {
                <g>
                    <text class="label" x=LABEL_WIDTH - 8.0 y=y + 17.0 text-anchor="end">
                        <title>{row.label.clone()}</title>
                        {short(&row.label, 28)}
                    </text>
                    {cells}
                </g>
            }
        })
        .collect_view();
    let empty = chart.rows.is_empty().then(|| {
        view! { <text class="label" x=LABEL_WIDTH y=ROW + 17.0>"Nothing in this period."</text> }
    });
    view! {
        <svg class="chart-svg" viewBox=format!("0 0 {WIDTH} {}", height.max(2.0 * ROW + 8.0))
             role="img" aria-labelledby=labelled_by.to_owned() preserveAspectRatio="xMinYMin meet">
            {heads}
            {rows}
            {empty}
        </svg>
    }
}

/// Columns along time: one strip per plotted series, sharing the time axis.
fn columns(chart: &Chart, labelled_by: &str) -> impl IntoView + use<> {
    const LEFT: f64 = 56.0;
    const STRIP: f64 = 96.0;
    const PLOT: f64 = 70.0;
    let panels = plotted(chart);
    let count = chart.rows.len().max(1) as f64;
    let step = (WIDTH - LEFT) / count;
    let height = STRIP * panels.len() as f64 + 22.0;
    let strips = panels
        .iter()
        .enumerate()
        .map(|(j, (col, s, max))| {
            let top = j as f64 * STRIP;
            let base = top + 18.0 + PLOT;
            let cols = chart
                .rows
                .iter()
                .enumerate()
                .filter_map(|(i, row)| {
                    let v = value(row, *col)?;
                    let h = (v / max * PLOT).max(0.0);
                    let tip = format!("{}: {}", row.label, format_value(Some(v), s.unit));
                    Some(view! {
                        <rect class=format!("bar series-{j}") x=format!("{:.1}", LEFT + i as f64 * step + step * 0.1)
                              y=format!("{:.1}", base - h) width=format!("{:.1}", (step * 0.8).max(1.0))
                              height=format!("{h:.1}")>
                            <title>{tip}</title>
                        </rect>
                    })
                })
                .collect_view();
            view! {
                <g>
                    <text class="series-name" x=LEFT y=top + 12.0>{s.name.clone()}</text>
                    <text class="axis" x=LEFT - 6.0 y=top + 30.0 text-anchor="end">{format_value(Some(*max), s.unit)}</text>
                    <text class="axis" x=LEFT - 6.0 y=base text-anchor="end">"0"</text>
                    <line class="baseline" x1=LEFT x2=WIDTH y1=base y2=base/>
                    {cols}
                </g>
            }
        })
        .collect_view();
    // First, middle and last bucket names under the last strip.
    let axis_y = height - 6.0;
    let n = chart.rows.len();
    let ticks = [0, n / 2, n.saturating_sub(1)]
        .into_iter()
        .filter(|&i| i < n)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|i| {
            let x = LEFT + i as f64 * step + step / 2.0;
            let anchor = if i == 0 && n > 1 { "start" } else if i + 1 == n && n > 1 { "end" } else { "middle" };
            view! { <text class="axis" x=format!("{x:.1}") y=axis_y text-anchor=anchor>{chart.rows[i].label.clone()}</text> }
        })
        .collect_view();
    view! {
        <svg class="chart-svg" viewBox=format!("0 0 {WIDTH} {height}") role="img"
             aria-labelledby=labelled_by.to_owned() preserveAspectRatio="xMinYMin meet">
            {strips}
            {ticks}
        </svg>
    }
}
