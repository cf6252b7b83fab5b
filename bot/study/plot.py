"""The timeline as a Plotly figure: one lane per subject, state bars, event markers, As-of line."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go

from bot.study.timeline import LANES, State, Timeline, event_key

STATE_WIDTH = 14
MARKER_SIZE = 11


def _hover(title: str, url: str, text: str) -> str:
    source = url or "address not recorded"
    return f"{text}<br><i>{title}</i><br>{source}"


def _state_trace(state: State, horizon: dt.date) -> go.Scatter:
    """A state as a thick line over its period (an open state runs to the horizon)."""
    return go.Scatter(
        x=[state.start, state.end or horizon],
        y=[LANES[state.lane]] * 2,
        mode="lines",
        line={"width": STATE_WIDTH},
        opacity=0.45,
        name=state.label,
        hovertext=_hover(state.title, state.source_url, state.label),
        hoverinfo="text",
        showlegend=False,
    )


def timeline_figure(timeline: Timeline, as_of: dt.date) -> go.Figure:
    """States as thick lines, events as markers (hover: event and source), As-of as a line."""
    fig = go.Figure()
    dated = [e.day for e in timeline.events] + [s.start for s in timeline.states]
    horizon = max([*dated, as_of]) + dt.timedelta(180)
    for state in timeline.states:
        fig.add_trace(_state_trace(state, horizon))
    fig.add_trace(
        go.Scatter(
            x=[e.day for e in timeline.events],
            y=[LANES[e.lane] for e in timeline.events],
            mode="markers",
            marker={"size": MARKER_SIZE, "symbol": "diamond", "color": "#1f3b8f"},
            hovertext=[
                _hover(e.title, e.source_url, f"{e.day.isoformat()}: {e.label} (fact {e.fact})")
                for e in timeline.events
            ],
            hoverinfo="text",
            customdata=[event_key(e) for e in timeline.events],  # a click sends the key
            name="events",
            showlegend=False,
        )
    )
    fig.add_shape(
        type="line",
        x0=as_of,
        x1=as_of,
        y0=0,
        y1=1,
        yref="paper",
        line={"color": "crimson", "dash": "dash"},
    )
    fig.add_annotation(
        x=as_of,
        y=1,
        yref="paper",
        text=f"As of {as_of.isoformat()}",
        showarrow=False,
        yanchor="bottom",
        font={"color": "crimson"},
    )
    fig.update_layout(
        height=420,
        margin={"l": 10, "r": 10, "t": 30, "b": 30},
        yaxis={"categoryorder": "array", "categoryarray": list(reversed(LANES.values()))},
        xaxis={"type": "date"},
    )
    return fig
