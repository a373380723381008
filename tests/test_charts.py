from datetime import date

from claims import charts


def item(start, end=None, precision="day", stage="shipment", label="A claim"):
    return charts.TimelineItem(
        href="/claims/x/", label=label, start=start, end=end, precision=precision, stage=stage
    )


def test_timeline_orders_rows_by_date_and_keeps_undated_claims_apart():
    chart = charts.timeline(
        [
            item(date(2023, 9, 13), date(2023, 9, 13), label="later"),
            item(None, precision="unknown", label="undated"),
            item(date(2023, 9, 1), date(2023, 9, 30), "month", label="earlier"),
        ]
    )
    assert [row.item.label for row in chart.rows] == ["earlier", "later"]
    assert [i.label for i in chart.undated] == ["undated"]
    assert chart.rows[0].y < chart.rows[1].y < chart.axis_y


def test_timeline_marks_depend_on_precision():
    chart = charts.timeline(
        [
            item(date(2023, 9, 13), date(2023, 9, 13), "day"),
            item(date(2023, 1, 1), date(2023, 12, 31), "year"),
            item(date(2023, 8, 21), date(2023, 9, 10), "approximate"),
            item(date(2023, 3, 1), date(2023, 6, 1), "interval"),
        ]
    )
    shapes = {row.item.precision: row.shape for row in chart.rows}
    assert shapes == {"day": "dot", "year": "bar", "approximate": "approx", "interval": "bracket"}


def test_timeline_spans_are_proportional_and_inside_the_plot():
    chart = charts.timeline(
        [
            item(date(2023, 1, 1), date(2023, 12, 31), "year"),
            item(date(2023, 6, 1), date(2023, 6, 30), "month"),
        ]
    )
    year, month = sorted(chart.rows, key=lambda row: -row.width)
    assert chart.plot_left <= year.x1 < month.x1 < month.x2 < year.x2 <= chart.plot_right
    assert 10 < year.width / month.width < 14


def test_timeline_ticks_are_months_for_a_short_span_and_years_for_a_long_one():
    short = charts.timeline([item(date(2023, 8, 1), date(2023, 11, 30), "interval")])
    assert all(not tick.by_year and tick.day.day == 1 for tick in short.ticks)
    assert date(2023, 9, 1) in [tick.day for tick in short.ticks]
    long = charts.timeline([item(date(2001, 1, 1), date(2023, 1, 1), "interval")])
    assert all(tick.by_year for tick in long.ticks)
    assert 2 <= len(long.ticks) <= 11
    xs = [tick.x for tick in long.ticks]
    assert xs == sorted(xs)


def test_timeline_shortens_long_labels_and_survives_an_empty_list():
    chart = charts.timeline([item(date(2023, 9, 1), label="word " * 40)])
    assert chart.rows[0].label.endswith("…") and len(chart.rows[0].label) <= 48
    assert charts.timeline([]).rows == []


def flow(s, r, count, categories=("Ammunition",)):
    names = {1: "North Korea", 2: "Russia", 3: "China", 4: "Iran"}
    return charts.Flow(
        supplier_id=s,
        supplier=names[s],
        recipient_id=r,
        recipient=names[r],
        count=count,
        categories=categories,
        href=f"/claims/?supplier={s}&recipient={r}",
    )


def test_graph_places_each_actor_once_inside_the_picture():
    chart = charts.graph([flow(1, 2, 6), flow(2, 1, 3), flow(3, 2, 1), flow(4, 2, 2)])
    assert sorted(node.name for node in chart.nodes) == ["China", "Iran", "North Korea", "Russia"]
    for node in chart.nodes:
        assert 0 < node.x < chart.width and 0 < node.y < chart.height
    assert len({(node.x, node.y) for node in chart.nodes}) == 4


def test_graph_edge_thickness_grows_with_the_number_of_claims():
    chart = charts.graph([flow(1, 2, 6), flow(2, 1, 1), flow(3, 2, 3)])
    widths = {edge.flow.count: edge.width for edge in chart.edges}
    assert widths[1] == 2.0 and widths[6] == 12.0
    assert widths[1] < widths[3] < widths[6]
    assert charts.edge_width(1, 1) == 2.0


def test_opposite_flows_bend_apart_and_carry_their_link_and_categories():
    chart = charts.graph([flow(1, 2, 2, ("Ammunition", "Missiles")), flow(2, 1, 1, ("Technology",))])
    there, back = sorted(chart.edges, key=lambda edge: edge.flow.supplier_id)
    assert there.path != back.path
    assert there.label_y != back.label_y  # one label above the pair, one below
    assert there.label == "Ammunition, Missiles"
    assert there.flow.href == "/claims/?supplier=1&recipient=2"
    assert len(there.arrow.split()) == 3


def test_graph_of_nothing_is_empty():
    chart = charts.graph([])
    assert chart.nodes == [] and chart.edges == []


def test_a_negated_claim_is_drawn_hollow_not_as_the_stage_it_denies():
    denied = charts.TimelineItem(
        href="/claims/x/",
        label="The shells did not reach the front.",
        start=date(2023, 9, 1),
        end=None,
        precision="day",
        stage="battlefield_use",
        negated=True,
    )
    chart = charts.timeline([denied, item(date(2023, 9, 2), stage="battlefield_use")])
    assert [row.stage_class for row in chart.rows] == ["negated", "stage-battlefield_use"]


def test_rows_that_read_alike_are_told_apart_by_date_then_by_number():
    def alike(day, detail):
        return charts.TimelineItem(
            href="/claims/x/",
            label="North Korea has shipped munitions to Russia.",
            start=day,
            end=None,
            precision="day",
            stage="shipment",
            detail=detail,
        )

    chart = charts.timeline(
        [
            alike(date(2023, 9, 1), "1 Sep 2023"),
            alike(date(2023, 9, 2), "2 Sep 2023"),
            alike(date(2023, 9, 2), "2 Sep 2023"),
            item(date(2023, 9, 3), label="Something else"),
        ]
    )
    labels = [row.label for row in chart.rows]
    assert len(set(labels)) == 4
    assert labels[0] == "North Korea has shipped munitions… · 1 Sep 2023"
    assert labels[1].endswith("· 2 Sep 2023 (1)") and labels[2].endswith("· 2 Sep 2023 (2)")
    assert labels[3] == "Something else"
    assert all(len(label) <= 48 + len(" (2)") for label in labels)
