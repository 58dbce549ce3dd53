"""Behaviour of the "what the network computes" panels, each mounted alone (Pilot tests).

Rendering is checked through the widgets' own line API (`render_line(y)`),
so a test sees the same segments and styles a terminal would get.
"""

from __future__ import annotations

import numpy as np
import pytest
from textual.strip import Strip

from rnnplay.core.sampling.sampler import SampleStep
from rnnplay.tui.widgets import GradientFlow, HiddenHeatmap, NextTokenDistribution, SampleView
from rnnplay.tui.widgets.distribution import bar_cells
from rnnplay.tui.widgets.gradient_flow import LOG_FLOOR
from rnnplay.tui.widgets.palette import (
    DIVERGING_LEVELS,
    diverging_levels,
    diverging_rgb,
    probability_level,
    probability_text,
    visible_token,
)
from tests.tui.panel_apps import PanelApp, decaying_norms, sample_states

SIZE = (80, 24)  # the heatmap's content is 78x22: a header, 20 unit rows, an info line
UNITS, STEPS = 48, 60


class HeatmapApp(PanelApp):
    """A heatmap with seeded data that records every UnitSelected it posts."""

    def __init__(self, heatmap: HiddenHeatmap | None = None, data: bool = True) -> None:
        self.states = sample_states(STEPS, UNITS)
        self.tokens = [chr(ord("a") + t % 26) for t in range(STEPS)]
        self.selected: list[int] = []

        def feed(panel: HiddenHeatmap) -> None:
            panel.set_data(self.tokens, self.states)

        super().__init__(heatmap or HiddenHeatmap(), feed if data else None)

    def on_hidden_heatmap_unit_selected(self, message: HiddenHeatmap.UnitSelected) -> None:
        self.selected.append(message.unit)


def _step(text: str, prob: float, hidden: np.ndarray) -> SampleStep:
    return SampleStep(
        token_id=0,
        text=text,
        prob=prob,
        top_ids=np.array([0]),
        top_probs=np.array([prob]),
        hidden=hidden.astype(np.float32),
    )


def unit_labels(heatmap: HiddenHeatmap) -> list[int]:
    """Unit ids read back from the rendered rows' labels, top to bottom."""
    labels = []
    for y in range(1, heatmap.size.height - 1):
        text = heatmap.render_line(y).text[: len(str(heatmap.units - 1)) + 2]
        digits = text.strip("▶ ")
        if digits:
            labels.append(int(digits))
    return labels


def label_style(strip: Strip):
    return next(iter(strip)).style


# ------------------------------------------------------------------- heatmap


async def test_arrow_keys_select_unit_and_move_the_highlight():
    app = HeatmapApp()
    async with app.run_test(size=SIZE) as pilot:
        heatmap: HiddenHeatmap = app.panel
        assert heatmap.selected_unit == 0
        unselected = label_style(heatmap.render_line(3))
        await pilot.press("down", "down")
        await pilot.pause()
        assert heatmap.selected_unit == 2
        assert app.selected == [1, 2]
        row = heatmap.render_line(1 + 2)
        assert row.text.startswith("▶")
        assert label_style(row) != unselected
        assert label_style(row).bgcolor != unselected.bgcolor
        assert not heatmap.render_line(1).text.startswith("▶")
        info = heatmap.render_line(heatmap.size.height - 1).text
        assert f"unit 2 {app.states[-1, 2]:+.3f}" in info
        await pilot.press("up")
        await pilot.pause()
        assert heatmap.selected_unit == 1
        assert heatmap.render_line(1 + 1).text.startswith("▶")
        assert not heatmap.render_line(1 + 2).text.startswith("▶")


async def test_up_at_the_first_unit_stays_and_posts_nothing():
    app = HeatmapApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("up")
        await pilot.pause()
        assert app.panel.selected_unit == 0
        assert app.selected == []


async def test_moving_below_the_page_scrolls_to_keep_the_selection_visible():
    app = HeatmapApp()
    async with app.run_test(size=SIZE) as pilot:
        heatmap: HiddenHeatmap = app.panel
        rows = heatmap.size.height - 2
        await pilot.press(*["down"] * rows)
        assert heatmap.selected_unit == rows
        assert heatmap.page_top == 1
        assert heatmap.visible_units()[-1] == rows
        assert heatmap.render_line(rows).text.startswith("▶")


async def test_page_keys_page_through_units_and_clamp_at_the_ends():
    app = HeatmapApp()
    async with app.run_test(size=SIZE) as pilot:
        heatmap: HiddenHeatmap = app.panel
        rows = heatmap.size.height - 2
        await pilot.press("pagedown")
        assert heatmap.page_top == rows
        assert heatmap.selected_unit == rows
        assert unit_labels(heatmap) == list(range(rows, 2 * rows))
        await pilot.press("pagedown", "pagedown")
        assert heatmap.page_top == UNITS - rows
        assert heatmap.selected_unit == UNITS - 1
        assert unit_labels(heatmap) == list(range(UNITS - rows, UNITS))
        await pilot.press("pageup")
        assert heatmap.selected_unit == UNITS - 1 - rows
        assert heatmap.selected_unit in heatmap.visible_units()
        await pilot.press("pageup", "pageup", "pageup")
        assert (heatmap.page_top, heatmap.selected_unit) == (0, 0)


async def test_sort_by_variance_orders_rows_by_variance():
    app = HeatmapApp()
    async with app.run_test(size=SIZE) as pilot:
        heatmap: HiddenHeatmap = app.panel
        variance = app.states.astype(np.float64).var(axis=0)
        await pilot.press("v")
        assert heatmap.sort_by_variance
        expected = list(np.argsort(-variance, kind="stable"))
        assert list(heatmap.display_order()) == expected
        shown = unit_labels(heatmap)
        assert shown == expected[: len(shown)]
        assert np.all(np.diff(variance[shown]) <= 0)
        # Sorting shows the top: the highest-variance unit is selected.
        assert heatmap.page_top == 0
        assert heatmap.selected_unit == expected[0]
        assert heatmap.visible_units()[0] == expected[0]
        assert "by variance" in heatmap.render_line(heatmap.size.height - 1).text
        await pilot.press("v")
        rows = unit_labels(heatmap)
        assert rows == list(range(rows[0], rows[0] + len(rows))), "back in index order"
        assert heatmap.selected_unit in rows, "and the selected unit in view"


async def test_down_follows_display_order_when_sorted():
    app = HeatmapApp()
    async with app.run_test(size=SIZE) as pilot:
        heatmap: HiddenHeatmap = app.panel
        await pilot.press("v")
        order = list(heatmap.display_order())
        heatmap.select_unit(int(order[0]))
        await pilot.press("down")
        assert heatmap.selected_unit == order[1]


async def test_cursor_moves_back_and_returns_to_following():
    app = HeatmapApp()
    async with app.run_test(size=SIZE) as pilot:
        heatmap: HiddenHeatmap = app.panel
        assert heatmap.cursor is None
        await pilot.press("left", "left", "left")
        assert heatmap.cursor_step() == STEPS - 4
        assert heatmap.value_at_cursor() == pytest.approx(app.states[-4, 0])
        info = heatmap.render_line(heatmap.size.height - 1).text
        assert f"at '{app.tokens[-4]}' t={STEPS - 4}" in info
        await pilot.press("right", "right", "right")
        assert heatmap.cursor is None


async def test_clicking_a_row_selects_its_unit():
    app = HeatmapApp()
    async with app.run_test(size=SIZE) as pilot:
        # Widget offset: border (1) + header row (1) + unit 5's row.
        await pilot.click(HiddenHeatmap, offset=(10, 2 + 5))
        assert app.panel.selected_unit == 5
        assert app.selected == [5]


async def test_streaming_keeps_the_last_steps_and_shows_the_newest():
    app = HeatmapApp(HiddenHeatmap(max_steps=30), data=False)
    async with app.run_test(size=(60, 12)) as pilot:
        heatmap: HiddenHeatmap = app.panel
        rng = np.random.default_rng(0)
        hidden = np.tanh(rng.normal(size=(50, 8))).astype(np.float32)
        tokens = [f"{chr(ord('a') + t % 26)}" for t in range(50)]
        for token, h in zip(tokens, hidden, strict=True):
            heatmap.append(token, h)
        await pilot.pause()
        assert heatmap.steps == 30
        assert heatmap.tokens == tokens[-30:]
        np.testing.assert_array_equal(heatmap.states, hidden[-30:])
        assert heatmap.render_line(0).text.rstrip().endswith(tokens[-1])
        assert heatmap.value_at_cursor() == pytest.approx(hidden[-1, 0])
        # A pinned cursor stays on its token while old steps drop off the front.
        heatmap.move_cursor(-2)
        pinned = heatmap.tokens[heatmap.cursor_step()]
        heatmap.append("z", hidden[0])
        assert heatmap.tokens[heatmap.cursor_step()] == pinned
        assert f"t={49 - 2}" in heatmap.render_line(heatmap.size.height - 1).text


async def test_sorted_rows_keep_the_selection_in_view_while_streaming():
    app = HeatmapApp(data=False)
    async with app.run_test(size=(60, 12)) as pilot:
        heatmap: HiddenHeatmap = app.panel
        heatmap.sort_by_variance = True
        steps = [_step(chr(ord("a") + t % 26), 0.5, h) for t, h in enumerate(app.states)]
        heatmap.append_steps(steps[:1])
        heatmap.select_unit(47)
        heatmap.append_steps(steps[1:])
        await pilot.pause()
        assert heatmap.steps == STEPS
        variance = app.states.astype(np.float64).var(axis=0)
        assert list(heatmap.display_order()) == list(np.argsort(-variance, kind="stable"))
        assert 47 in unit_labels(heatmap)


async def test_a_new_hidden_size_starts_afresh_and_clamps_the_selection():
    app = HeatmapApp()
    async with app.run_test(size=SIZE) as pilot:
        heatmap: HiddenHeatmap = app.panel
        heatmap.select_unit(40)
        heatmap.append("x", np.zeros(8, dtype=np.float32))
        await pilot.pause()
        assert (heatmap.units, heatmap.steps) == (8, 1)
        assert heatmap.selected_unit == 7
        assert app.selected[-1] == 7


async def test_empty_heatmap_shows_a_hint_and_ignores_keys():
    app = HeatmapApp(data=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down", "pagedown", "left", "v")
        heatmap: HiddenHeatmap = app.panel
        assert "press g" in heatmap.render_line(0).text
        assert heatmap.value_at_cursor() is None


def test_set_data_rejects_mismatched_shapes():
    heatmap = HiddenHeatmap()
    with pytest.raises(ValueError, match="3 tokens for 4 time steps"):
        heatmap.set_data(["a", "b", "c"], np.zeros((4, 5)))
    with pytest.raises(ValueError, match=r"shape \(T, H\)"):
        heatmap.set_data(["a"], np.zeros(5))


# --------------------------------------------------------------- sample view


def token_styles(view: SampleView) -> dict[str, object]:
    """Style of each non-blank piece of text on the first row, keyed by its text."""
    return {seg.text.strip(): seg.style for seg in view.render_line(0) if seg.text.strip()}


async def test_sample_view_caps_its_length():
    view = SampleView(max_tokens=40)
    async with PanelApp(view).run_test(size=(40, 8)) as pilot:
        text = "".join(chr(ord("a") + i % 26) for i in range(100))
        for ch in text:
            view.append(_step(ch, 0.5, np.zeros(4)))
        await pilot.pause()
        assert view.token_count == 40
        assert view.generated_text == text[-40:]


async def test_sample_view_extend_adds_a_batch_of_steps():
    view = SampleView()
    async with PanelApp(view).run_test(size=(40, 8)) as pilot:
        view.clear(prime="> ")
        view.extend(_step(ch, 0.5, np.zeros(2)) for ch in "abc")
        await pilot.pause()
        assert view.generated_text == "abc"
        assert view.render_line(0).text.startswith("> abc")


async def test_sample_view_shows_the_newest_text_at_the_bottom():
    view = SampleView()
    async with PanelApp(view).run_test(size=(40, 8)) as pilot:
        lines = [f"line {i:02d}" for i in range(30)]
        for token in "\n".join(lines):
            view.append_token(token, 0.9)
        await pilot.pause()
        text_rows = view.size.height - 1
        assert view.render_line(text_rows - 1).text.startswith("line 29")
        assert view.render_line(0).text.startswith(f"line {30 - text_rows:02d}↵")


async def test_sample_view_shows_a_run_of_empty_lines_as_one():
    view = SampleView()
    async with PanelApp(view).run_test(size=(40, 12)) as pilot:
        text = "one\n\n\n\ntwo\nthree\n\nfour"
        view.extend(_step(ch, 0.9, np.zeros(2)) for ch in text)
        await pilot.pause()
        assert view.generated_text == text, "the text keeps every line break"
        rows = [view.render_line(y).text.rstrip() for y in range(view.size.height - 1)]
        shown = [row for row in rows if row]
        assert shown == ["one↵", "↵", "two↵", "three↵", "↵", "four"]


async def test_sample_view_colours_by_probability_then_by_unit():
    view = SampleView()
    async with PanelApp(view).run_test(size=(40, 8)) as pilot:
        view.clear(prime="Hi ")
        view.append(_step("a", 0.95, np.array([0.9, -0.9])))
        view.append(_step("b", 0.05, np.array([-0.9, 0.9])))
        await pilot.pause()
        segments = token_styles(view)
        assert segments["Hi"].italic and segments["Hi"].underline  # the prime stands apart
        sure, unsure = segments["a"].color.triplet, segments["b"].color.triplet
        assert sure.green > sure.red and unsure.red > unsure.green
        assert view.token_style(0) == probability_text(probability_level(0.95))
        assert "p(token)" in view.render_line(view.size.height - 1).text

        view.colour_by_unit(0)
        await pilot.pause()
        segments = token_styles(view)
        positive, negative = segments["a"].bgcolor.triplet, segments["b"].bgcolor.triplet
        assert positive.red > positive.blue and negative.blue > negative.red
        assert tuple(positive) == diverging_rgb(int(diverging_levels(0.9)))
        assert "unit 0" in view.render_line(view.size.height - 1).text

        view.unit = 1  # the other unit flips the colours
        await pilot.pause()
        segments = token_styles(view)
        assert segments["a"].bgcolor.triplet.blue > segments["a"].bgcolor.triplet.red
        assert view.toggle_mode() == "probability"


async def test_sample_view_hint_and_bad_mode():
    view = SampleView()
    async with PanelApp(view).run_test(size=(40, 8)):
        assert "press g" in view.render_line(0).text
        with pytest.raises(ValueError, match="colour mode"):
            view.mode = "rainbow"


# ------------------------------------------------------ next-token distribution


async def test_distribution_marks_the_chosen_token_and_escapes_whitespace():
    panel = NextTokenDistribution()
    async with PanelApp(panel).run_test(size=(40, 10)) as pilot:
        panel.set(["e", " ", "\n", "t"], [0.4, 0.3, 0.2, 0.1], chosen=1)
        await pilot.pause()
        rows = [panel.render_line(y).text for y in range(4)]
        assert rows[1].startswith("▶ ␣")
        assert [r.startswith("▶") for r in rows] == [False, True, False, False]
        assert rows[2].startswith("  ↵")
        assert panel.chosen is not None and panel.chosen.token == " "
        bars = [sum(" ▏▎▍▌▋▊▉█".index(c) for c in r if c in "▏▎▍▌▋▊▉█") for r in rows]
        assert bars == sorted(bars, reverse=True) and bars[-1] > 0
        assert "40.0%" in rows[0]


async def test_distribution_shows_a_chosen_token_outside_the_top_k():
    panel = NextTokenDistribution()
    vocab = ["a", "b", "c", "d", "e"]
    async with PanelApp(panel).run_test(size=(40, 10)) as pilot:
        step = SampleStep(
            token_id=4,
            text="e",
            prob=0.02,
            top_ids=np.array([0, 1, 2]),
            top_probs=np.array([0.5, 0.3, 0.1]),
            hidden=np.zeros(3, dtype=np.float32),
        )
        panel.show(step, vocab)
        await pilot.pause()
        rows = [panel.render_line(y).text for y in range(4)]
        assert [r[2] for r in rows] == ["a", "b", "c", "e"]
        assert rows[3].startswith("▶ e") and "2.0%" in rows[3]
        panel.show(
            SampleStep(1, "b", 0.3, np.array([0, 1]), np.array([0.5, 0.3]), np.zeros(3)),
            lambda i: vocab[i].upper(),
        )
        await pilot.pause()
        assert panel.render_line(1).text.startswith("▶ B")
        assert panel.render_line(2).text.strip() == ""


def test_distribution_rejects_bad_input():
    panel = NextTokenDistribution()
    with pytest.raises(ValueError, match="2 tokens for 3"):
        panel.set(["a", "b"], [0.5, 0.3, 0.2])
    with pytest.raises(ValueError, match="chosen index 5"):
        panel.set(["a", "b"], [0.5, 0.3], chosen=5)


def test_bar_cells_has_eighth_cell_precision():
    assert bar_cells(0.5, 10) == "█" * 5
    assert bar_cells(1.0, 4) == "█" * 4
    assert bar_cells(0.3125, 2) == "▋"  # 5/8 of a cell
    assert bar_cells(2.0, 3) == "███"
    assert bar_cells(float("nan"), 3) == ""


# ------------------------------------------------------------ gradient flow


def is_plot_row(text: str) -> bool:
    """Plot rows carry the y axis ('┤' at a tick, '│' elsewhere) after the labels."""
    return len(text) > 6 and text[5] in "┤│"


def plot_rows_with_dots(panel: GradientFlow) -> dict[int, list[int]]:
    """For each plot column, the plot rows holding braille dots."""
    dots: dict[int, list[int]] = {}
    for y in range(panel.size.height):
        text = panel.render_line(y).text
        if not is_plot_row(text):
            continue
        for x, ch in enumerate(text[6:]):
            if "\u2801" <= ch <= "\u28ff":
                dots.setdefault(x, []).append(y)
    return dots


async def test_gradient_flow_shows_vanishing_and_preserved_gradients():
    rnn, lstm = GradientFlow(), GradientFlow()
    for panel, rate in ((rnn, 0.5), (lstm, 0.99)):
        async with PanelApp(panel).run_test(size=(64, 16)) as pilot:
            panel.update([decaying_norms(32, rate)])
            await pilot.pause()
            dots = plot_rows_with_dots(panel)
            first, last = min(dots), max(dots)
            plot_height = sum(
                1 for y in range(panel.size.height) if is_plot_row(panel.render_line(y).text)
            )
            assert min(dots[first]) == 0  # distance 0 is the reference: ratio 1 at the top
            if rate < 0.9:
                assert max(dots[last]) == plot_height - 1  # ~1e-9 at the far end: bottom
            else:
                assert max(dots[last]) <= 1  # within a decade: stays near the top
            assert panel.render_line(0).text.startswith("    1┤")


async def test_gradient_flow_averages_probes_and_restarts_on_a_new_shape():
    panel = GradientFlow(smoothing=0.8)
    async with PanelApp(panel).run_test(size=(64, 16)) as pilot:
        a, b = np.array([1.0, 0.5, 0.25]), np.array([2.0, 1.0, np.nan])
        panel.update([a])
        panel.update([b])
        await pilot.pause()
        np.testing.assert_allclose(panel.average[0], [1.2, 0.6, 0.25])
        assert panel.probes == 2
        assert panel.border_subtitle == "avg of 2 probes"
        panel.update([np.ones(5), np.ones(5)])
        assert panel.probes == 1 and len(panel.average) == 2
        panel.reset()
        await pilot.pause()
        assert panel.probes == 0
        assert "no gradients" in panel.render_line(0).text


def test_gradient_flow_relative_log_scale():
    panel = GradientFlow()
    panel.update([np.array([2.0, 0.2, 0.02, 0.0])])
    np.testing.assert_allclose(panel.relative_log10()[0], [0.0, -1.0, -2.0, LOG_FLOOR])


# ---------------------------------------------------------------- palette


def test_visible_token_and_diverging_levels():
    assert visible_token(" a\n\t\x01") == "␣a↵⇥\\x01"
    assert visible_token("") == "∅"
    levels = diverging_levels(np.array([-1.0, 0.0, 1.0, np.nan, 5.0]))
    assert list(levels) == [0, (DIVERGING_LEVELS - 1) // 2, DIVERGING_LEVELS - 1, -1, 20]
    blue, red = diverging_rgb(0), diverging_rgb(DIVERGING_LEVELS - 1)
    assert blue[2] > blue[0] and red[0] > red[2]


def test_nice_ranges_have_evenly_spaced_round_ticks():
    from rnnplay.tui.widgets.braille import nice_range, tick_label, ticks

    for low, high, most in [(2.6, 4.0, 6), (1.45, 4.17, 9), (0.0, 350_000, 6), (3.2, 3.2, 5)]:
        start, end, step = nice_range(low, high, most)
        values = ticks(start, end, step)
        assert start <= low and end >= high and len(values) <= most
        gaps = np.diff(values)
        np.testing.assert_allclose(gaps, step)
        assert len(set(tick_label(v, step) for v in values)) == len(values), "distinct labels"
    start, end, _ = nice_range(4.1268, 4.1268, 5)
    assert start < 4.1268 < end and end - start < 1.0, "one point: a small range around it"


async def test_loss_chart_curves_stay_inside_the_frame_and_labels_are_whole():
    from rnnplay.tui.widgets.loss_chart import LossChart
    from tests.tui.test_widgets_snapshot import HostApp, seeded_losses

    train, evals = seeded_losses()
    app = HostApp(LossChart(), lambda chart: chart.set_data(train, evals))
    async with app.run_test(size=(80, 20)) as pilot:
        await pilot.pause()
        chart = app.query_one(LossChart)
        lines = [chart.render_line(y).text for y in range(chart.size.height)]
        assert all(len(line) == chart.size.width for line in lines)
        assert lines[-1].rstrip().endswith("2M"), "the last x label is whole"
        plot = lines[:-2]
        gutter = next(line.index("┤") for line in plot if "┤" in line)
        assert all(line[gutter] in "┤│" for line in plot), "curves never cross the y axis"
        built = chart.frames_built
        for y in range(chart.size.height):
            chart.render_line(y)
        assert chart.frames_built == built, "a repaint without new points reuses the frame"
